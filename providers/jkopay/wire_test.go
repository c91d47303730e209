package jkopay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The vectors were computed outside Go (Python: json.dumps(sort_keys=True,
// separators=(',',':'), ensure_ascii=False) + key, SHA-256): a second
// implementation of the rule. The spec's own example signature cannot be
// reproduced, it was made with an unpublished key.
func TestSignVectors(t *testing.T) {
	example := readJSON(t, "payment_request.json")
	delete(example, "Sign")
	tests := []struct {
		name string
		p    jkopay.Payload
		key  string
		want string
	}{
		{"spec example fields", example, "testkey123", "f5ac8a6e73a51a9b43da834b63a446d545a3ada50b1ce8ad9f9fbb9676e6e9ee"},
		{"no HTML escaping, quotes, negatives", jkopay.Payload{"C": `x"y\z`, "A": "<&>", "B": int64(-5)}, "k", "503684d9596e295008732850690a76a971606ac8c104ee603214e0a4b4483d81"},
		{"empty", jkopay.Payload{}, "", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jkopay.Sign(tt.p, tt.key)
			if err != nil || got != tt.want {
				t.Fatalf("Sign = %s, %v; want %s", got, err, tt.want)
			}
			// Sign is excluded from what is signed.
			withSign := jkopay.Payload{"Sign": "whatever"}
			for k, v := range tt.p {
				withSign[k] = v
			}
			if got2, _ := jkopay.Sign(withSign, tt.key); got2 != tt.want {
				t.Fatalf("a Sign field changed the signature: %s", got2)
			}
			if _, still := withSign["Sign"]; !still {
				t.Fatal("Sign removed the caller's Sign field")
			}
		})
	}
}

// readJSON reads a testdata file into a Payload, numbers as int64 like the
// wallet builds them.
func readJSON(t *testing.T, name string) jkopay.Payload {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	p := jkopay.Payload{}
	for k, v := range raw {
		if n, ok := v.(json.Number); ok {
			i, err := n.Int64()
			if err != nil {
				t.Fatal(err)
			}
			p[k] = i
			continue
		}
		p[k] = v
	}
	return p
}

// TestPaymentRequestGolden sends the spec example's payment and compares
// what went on the wire with the spec's request, decoded (field order and
// whitespace are irrelevant). Sign is checked against the rule instead.
func TestPaymentRequestGolden(t *testing.T) {
	var got []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/SYSTEM-NAME/Payment" || r.Method != http.MethodPost {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		got, _ = io.ReadAll(r.Body)
		resp, _ := os.ReadFile(filepath.Join("testdata", "payment_response.json"))
		w.Write(bytes.Replace(resp, []byte(`"StatusCode": "000"`), []byte(`"StatusCode": "928"`), 1))
	}))
	defer srv.Close()
	cfg := &jkopay.Config{BaseURL: srv.URL + "/SYSTEM-NAME/", MerchantID: "9999999", MerchantKey: "testkey123", StoreID: "9999999", StoreName: "街口測試"}
	sent := time.Date(2020, 8, 1, 2, 5, 11, 0, time.UTC) // 10:05:11 in UTC+8
	w := openWallet(t, cfg, providers.Env{Now: func() time.Time { return sent }})
	out := w.Pay(context.Background(), providers.PayRequest{
		TerminalID: "1", Amount: 10, Code: "22J111111111111111",
		Ref: providers.Ref{jkopay.RefMerchantTradeNo: "2020009041651", jkopay.RefPosTradeTime: "2020/08/01 10:05:11", jkopay.RefPosID: "1"},
	})
	if out.Kind != providers.Declined || out.Code != "928" {
		t.Fatalf("outcome %+v", out)
	}
	var gotMap map[string]any
	if err := json.Unmarshal(got, &gotMap); err != nil {
		t.Fatalf("sent body %q: %v", got, err)
	}
	want := readJSON(t, "payment_request.json")
	sig, _ := jkopay.Sign(want, "testkey123")
	if gotMap["Sign"] != sig {
		t.Errorf("Sign = %v, want %s", gotMap["Sign"], sig)
	}
	delete(gotMap, "Sign")
	delete(want, "Sign")
	wantMap := map[string]any{}
	b, _ := json.Marshal(want)
	_ = json.Unmarshal(b, &wantMap)
	if !reflect.DeepEqual(gotMap, wantMap) {
		t.Fatalf("sent\n%v\nwant (spec example)\n%v", gotMap, wantMap)
	}
	if bytes.Contains(got, []byte(`": `)) || bytes.Contains(got, []byte("\n")) {
		t.Fatalf("body is not compact JSON: %s", got)
	}
}

func TestParseResponseGolden(t *testing.T) {
	for _, name := range []string{"payment_response", "payment_response_isrep_string"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := jkopay.ParseResponse(b)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(resp, "", "  ")
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != string(got)+"\n" {
				t.Fatalf("parsed\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestParseResponseRejects(t *testing.T) {
	for _, body := range []string{
		``, `null`, `[]`, `{"StatusCode":"000"`, `<html>502</html>`,
		`{"StatusDesc":"ok"}`, `{"StatusCode":"00"}`, `{"StatusCode":"0a0"}`,
		`{"StatusCode":"000","IsRep":"2"}`, `{"StatusCode":"000","TradeAmount":"ten"}`, `{"StatusCode":"000","TradeAmount":{}}`,
	} {
		if _, err := jkopay.ParseResponse([]byte(body)); !errors.Is(err, jkopay.ErrResponse) {
			t.Errorf("ParseResponse(%q) err = %v, want ErrResponse", body, err)
		}
	}
}

func TestCheckFields(t *testing.T) {
	good := func() jkopay.Payload {
		p := readJSON(t, "payment_request.json")
		delete(p, "Sign")
		return p
	}
	if err := jkopay.Check(jkopay.CallPayment, good()); err != nil {
		t.Fatalf("the spec's example fails Check: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(jkopay.Payload)
		field  string
	}{
		{"missing Extra3", func(p jkopay.Payload) { delete(p, "Extra3") }, "Extra3"},
		{"amount as string", func(p jkopay.Payload) { p["TradeAmount"] = "10" }, "TradeAmount"},
		{"string as number", func(p jkopay.Payload) { p["Remark"] = int64(1) }, "Remark"},
		{"long MerchantID", func(p jkopay.Payload) { p["MerchantID"] = "12345678901" }, "MerchantID"},
		{"long StoreName", func(p jkopay.Payload) { p["StoreName"] = strings.Repeat("店", 101) }, "StoreName"},
		{"long MerchantTradeNo", func(p jkopay.Payload) { p["MerchantTradeNo"] = strings.Repeat("1", 61) }, "MerchantTradeNo"},
		{"long PosID", func(p jkopay.Payload) { p["PosID"] = strings.Repeat("1", 21) }, "PosID"},
		{"long Remark", func(p jkopay.Payload) { p["Remark"] = strings.Repeat("r", 1001) }, "Remark"},
		{"bad PosTradeTime", func(p jkopay.Payload) { p["PosTradeTime"] = "2020-08-01 10:05:11" }, "PosTradeTime"},
		{"bad SendTime", func(p jkopay.Payload) { p["SendTime"] = "2020080110051" }, "SendTime"},
		{"bad CardToken", func(p jkopay.Payload) { p["CardToken"] = "33J111111111111111" }, "CardToken"},
		{"zero amount", func(p jkopay.Payload) { p["TradeAmount"] = int64(0) }, "TradeAmount"},
		{"UnRedeem above amount", func(p jkopay.Payload) { p["UnRedeem"] = int64(11) }, "UnRedeem"},
		{"empty PosID", func(p jkopay.Payload) { p["PosID"] = "" }, "PosID"},
		{"extra field", func(p jkopay.Payload) { p["Surprise"] = "" }, "(request)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good()
			tt.mutate(p)
			err := jkopay.Check(jkopay.CallPayment, p)
			var fe *jkopay.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Fix == "" || !errors.Is(err, jkopay.ErrField) {
				t.Fatalf("Check = %v, want a FieldError on %s with a fix", err, tt.field)
			}
			if strings.Contains(err.Error(), "22J111111111111111") || strings.Contains(err.Error(), "33J111111111111111") {
				t.Fatalf("error shows the code: %v", err)
			}
		})
	}
}

func TestTimeFormats(t *testing.T) {
	at := time.Date(2026, 12, 31, 16, 30, 5, 0, time.UTC) // 00:30:05 next day in UTC+8
	if got := jkopay.TradeTime(at); got != "2027/01/01 00:30:05" {
		t.Errorf("TradeTime = %s", got)
	}
	if got := jkopay.SendTime(at); got != "20270101003005" {
		t.Errorf("SendTime = %s", got)
	}
}

// FuzzParseResponse: no input panics; whatever parses has a three-digit
// status code.
func FuzzParseResponse(f *testing.F) {
	for _, name := range []string{"payment_response.json", "payment_response_isrep_string.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := jkopay.ParseResponse(b)
		if err != nil {
			if !errors.Is(err, jkopay.ErrResponse) {
				t.Fatalf("error %v does not wrap ErrResponse", err)
			}
			return
		}
		if len(resp.StatusCode) != 3 || strings.Trim(resp.StatusCode, "0123456789") != "" {
			t.Fatalf("parsed status %q", resp.StatusCode)
		}
		_ = jkopay.StatusOf(resp.StatusCode)
	})
}

// BenchmarkWire compares signing a request with parsing an answer, the two
// per-call costs of the wire format.
func BenchmarkWire(b *testing.B) {
	req, _ := os.ReadFile(filepath.Join("testdata", "payment_request.json"))
	var p jkopay.Payload
	_ = json.Unmarshal(req, &p)
	resp, _ := os.ReadFile(filepath.Join("testdata", "payment_response.json"))
	b.Run("sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jkopay.Sign(p, "testkey123"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jkopay.ParseResponse(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
