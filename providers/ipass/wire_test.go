package ipass

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testWallet(t *testing.T, mod func(*Config)) *Wallet {
	t.Helper()
	cfg := Config{Account: gateway.Account{BaseURL: "https://gw.example", AuthKey: "a", AccKey: "b"}, OmniStoreID: "0", StoreID: "00681"}
	if mod != nil {
		mod(&cfg)
	}
	now := func() time.Time { return time.Date(2023, 10, 10, 17, 45, 55, 0, time.UTC) } // 01:45:55 in Taipei
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := newWallet(cfg, providers.Env{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The spec's request example decodes strictly into our wire types.
func TestSpecRequestExampleDecodesStrictly(t *testing.T) {
	var b PayBody
	if err := gatewaytest.UnmarshalStrict(readFile(t, "spec_pay_request.json"), &b, "request"); err != nil {
		t.Fatal(err)
	}
	want := PayFields{
		ReqID: "9CC197A0-E12C-4AC5-8CC0-0052E09D3752", TradeCode: "96A1OABQAAFmIVAVRxhAgY", Amount: 229,
		OrderNumber: "IXN20231011000001", StoreID: "00681", TerminalID: "AB123456", Capture: true,
		PosDateTime: " 2023-10-11 01:44:54", TradeDateTime: " 2023-10-11 01:45:55",
		ProductDesc: "XX 防曬乳*1(149 元)、XX 菸品*1(80)", Redeem: &Redeem{NonRedeemAmout: 80},
	}
	if !reflect.DeepEqual(b.Request, want) || b.StoreID != "0" {
		t.Fatalf("decoded %+v", b)
	}
	for _, v := range []string{b.Request.PosDateTime, b.Request.TradeDateTime} {
		if _, err := ParseTime(v); err != nil {
			t.Fatal(err)
		}
	}
}

// What we send for the spec example's payment, in both credential modes,
// compared decoded with golden files. The iv is random per request, so it
// is checked for shape and then blanked.
func TestPayRequestGolden(t *testing.T) {
	req := providers.PayRequest{
		TerminalID: "AB123456", OrderNumber: "IXN20231011000001", Amount: 229, Undiscountable: 80,
		Description: "XX 防曬乳*1(149 元)、XX 菸品*1(80)", Code: "96A1OABQAAFmIVAVRxhAgY",
		Ref: providers.Ref{RefReqID: "9CC197A0-E12C-4AC5-8CC0-0052E09D3752", RefOrderNumber: "IXN20231011000001", RefPosDateTime: "2023-10-11 01:44:54"},
	}
	hexIV := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tc := range []struct {
		file string
		mod  func(*Config)
	}{
		{"pay_request_omni.golden.json", nil},
		{"pay_request_merchant.golden.json", func(c *Config) { c.OmniStoreID, c.MerchantID, c.Key, c.IsTest = "", "M001", "merchant-key", true }},
	} {
		w := testWallet(t, tc.mod)
		body, err := w.payBody(req)
		if err != nil {
			t.Fatal(err)
		}
		if w.cfg.merchantMode() {
			if !hexIV.MatchString(body.Request.IV) {
				t.Fatalf("iv %q is not 16 bytes of hex", body.Request.IV)
			}
			again, _ := w.payBody(req)
			if again.Request.IV == body.Request.IV {
				t.Fatal("the iv repeats between requests")
			}
			body.Request.IV = "<random>"
		}
		got, _ := json.MarshalIndent(body, "", "  ")
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", tc.file), append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var g, want any
		_ = json.Unmarshal(got, &g)
		if err := json.Unmarshal(readFile(t, tc.file), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("%s: got\n%s", tc.file, got)
		}
	}
}

func TestPayOutcomeTable(t *testing.T) {
	w := testWallet(t, nil)
	sent := PayFields{OrderNumber: "IXN20240827000003", Amount: 2}
	tests := []struct {
		name   string
		status int
		body   string
		kind   providers.Kind
		code   string
	}{
		{"spec 0000", 200, string(readFile(t, "spec_pay_response_0000.json")), providers.Approved, "0000"},
		{"spec 0006: an earlier send arrived", 200, string(readFile(t, "spec_pay_response_0006.json")), providers.Unknown, "0006"},
		{"spec 9999: money may have moved", 200, string(readFile(t, "spec_pay_response_9999.json")), providers.Unknown, "9999"},
		{"a code nobody listed is not a decline", 200, `{"return_code":"0101","return_msg":"餘額不足","message_from":"IPASS"}`, providers.Unknown, "0101"},
		{"numeric code", 200, `{"return_code":101,"return_msg":"x"}`, providers.Unknown, "101"},
		{"0000 for another order", 200, `{"return_code":"0000","transaction_id":"e1","order_number":"OTHER","amount":2}`, providers.Unknown, "0000"},
		{"0000 for another amount", 200, `{"return_code":"0000","transaction_id":"e1","order_number":"IXN20240827000003","amount":3}`, providers.Unknown, "0000"},
		{"0000 without transaction_id", 200, `{"return_code":"0000"}`, providers.Unknown, "0000"},
		{"0000 without order_number", 200, `{"return_code":"0000","transaction_id":"e1","amount":2}`, providers.Unknown, "0000"},
		{"0000 without amount", 200, `{"return_code":"0000","transaction_id":"e1","order_number":"IXN20240827000003"}`, providers.Unknown, "0000"},
		{"gateway refusal without return_code", 400, `{"message":"bad request","message_from":"OMNI"}`, providers.Unknown, ""},
		{"403", 403, `{"message":"no"}`, providers.ConfigError, "403"},
		{"502", 502, `{"return_code":"0101"}`, providers.Unknown, "502"},
		{"html", 200, `<html>`, providers.Unknown, ""},
		{"truncated", 200, `{"return_code":"0000","transaction_id":"e24`, providers.Unknown, ""},
		{"null", 200, `null`, providers.Unknown, ""},
		{"array", 200, `[]`, providers.Unknown, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := w.PayOutcome(tc.status, []byte(tc.body), sent)
			if out.Kind != tc.kind || out.Code != tc.code || out.Message == "" {
				t.Fatalf("got %+v", out)
			}
			if tc.kind == providers.Declined && !out.RetryScan {
				t.Fatal("a decline should allow a new scan")
			}
		})
	}
	out := w.PayOutcome(200, readFile(t, "spec_pay_response_0000.json"), sent)
	want := providers.Outcome{Kind: providers.Approved, Code: "0000", Message: "paid", TransactionID: "e2458974869618", PaymentMethod: "balance", AmountPaid: 2}
	if out != want {
		t.Fatalf("spec success: %+v", out)
	}
}

// Only a listed code is a decline; with the default (none listed) every
// code but 0000 is Unknown.
func TestDeclineCodesAreConfigurable(t *testing.T) {
	body := []byte(`{"return_code":"0101","return_msg":"餘額不足"}`)
	if out := testWallet(t, nil).PayOutcome(200, body, PayFields{}); out.Kind != providers.Unknown || out.Code != "0101" || !strings.Contains(out.Message, "餘額不足") {
		t.Fatalf("default: %+v, want unknown", out)
	}
	w := testWallet(t, func(c *Config) { c.DeclineCodes = []string{"0101"} })
	if out := w.PayOutcome(200, body, PayFields{}); out.Kind != providers.Declined || !out.RetryScan {
		t.Fatalf("listed: %+v, want declined", out)
	}
	if out := w.PayOutcome(200, []byte(`{"return_code":"0102"}`), PayFields{}); out.Kind != providers.Unknown {
		t.Fatalf("unlisted: %+v, want unknown", out)
	}
}

func TestParseSearchIsLenient(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Search
	}{
		{"simulator's shape", `{"return_code":"0000","return_msg":"成功","req_id":"X","order_number":"O1","pay_status":"1","payment_type":"1","transaction_id":"e1","amount":229,"transaction_date_time":"2024-09-03 14:54:15"}`,
			Search{ReturnCode: "0000", ReturnMsg: "成功", OrderNumber: "O1", PayStatus: "1", PaymentType: "1", TransactionID: "e1", Amount: 229, HasAmount: true, DateTime: "2024-09-03 14:54:15"}},
		{"camelCase, nested, numbers", `{"returnCode":0,"data":{"orderNumber":"O1","payStatus":1,"transactionId":"e1","amount":"229"}}`,
			Search{ReturnCode: "0", OrderNumber: "O1", PayStatus: "1", TransactionID: "e1", Amount: 229, HasAmount: true}},
		{"transaction object", `{"return_code":"0000","transaction":{"transaction_id":"e9","pay_status":"PAID"}}`,
			Search{ReturnCode: "0000", TransactionID: "e9", PayStatus: "PAID"}},
		{"top level wins", `{"return_code":"0000","pay_status":"0","data":{"pay_status":"1"}}`,
			Search{ReturnCode: "0000", PayStatus: "0"}},
		{"the API's status is not pay_status", `{"return_code":"0000","status":"success","order_number":"O1"}`,
			Search{ReturnCode: "0000", OrderNumber: "O1"}},
		// The gateway's Ipass Search page names the charge
		// original_transactionId; it wins over a transaction_id beside it.
		{"the page's original_transactionId", `{"return_code":"0000","pay_status":"1","original_transactionId":"e7","transaction_date_time":"2024-09-03 14:54:15"}`,
			Search{ReturnCode: "0000", PayStatus: "1", TransactionID: "e7", DateTime: "2024-09-03 14:54:15"}},
		{"both spellings", `{"return_code":"0000","transaction_id":"e1","original_transactionId":"e7"}`,
			Search{ReturnCode: "0000", TransactionID: "e7"}},
		{"not found", `{"return_code":"0002","return_msg":"查無訂單","message_from":"IPASS"}`,
			Search{ReturnCode: "0002", ReturnMsg: "查無訂單"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSearch([]byte(tc.body))
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	for _, bad := range []string{``, `null`, `[]`, `{"amount":2.5}`, `{"pay_status":{}}`, `{"return_code":"0000"`} {
		if _, err := ParseSearch([]byte(bad)); err == nil {
			t.Errorf("ParseSearch(%s) accepted", bad)
		}
	}
}

func TestReadPayStatus(t *testing.T) {
	tests := map[string]PayState{"1": StatePaid, "PAID": StatePaid, " success ": StateUnclear, "成功": StateUnclear, "Y": StateUnclear, "true": StateUnclear, "completed": StateUnclear, "3": StatePaid, "已付款": StatePaid,
		"0": StateUnpaid, "2": StateUnpaid, "Cancelled": StateUnpaid, "FAIL": StateUnpaid, "": StateUnclear, "7": StateUnclear, "pending": StateUnclear}
	for in, want := range tests {
		if got := ReadPayStatus(in); got != want {
			t.Errorf("ReadPayStatus(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestTimes(t *testing.T) {
	if got := FormatTime(time.Date(2023, 10, 10, 17, 44, 54, 0, time.UTC)); got != "2023-10-11 01:44:54" {
		t.Fatal(got)
	}
	if _, err := ParseTime("2023/10/11 01:44:54"); err == nil {
		t.Fatal("accepted slashes")
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, n := range []string{"spec_pay_response_0000.json", "spec_pay_response_0006.json", "spec_pay_response_9999.json"} {
		f.Add(readFile(f, n))
	}
	w := &Wallet{cfg: Config{UncertainCodes: []string{"9999"}, DeclineCodes: []string{"0101"}}}
	sent := PayFields{OrderNumber: "IXN20240827000003", Amount: 2}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAnswer(body)
		out := w.PayOutcome(200, body, sent)
		switch out.Kind {
		case providers.Approved:
			if err != nil || a.ReturnCode != ReturnOK || a.TransactionID == "" {
				t.Fatalf("approved on %q", body)
			}
		case providers.Declined:
			if err != nil || a.ReturnCode != "0101" { // only a listed code declines
				t.Fatalf("declined on %q", body)
			}
		}
		if strings.Contains(out.Message, "\x00") {
			t.Fatal("message carries a NUL")
		}
	})
}

func FuzzParseSearch(f *testing.F) {
	f.Add([]byte(`{"return_code":"0000","pay_status":"1","transaction_id":"e1","amount":229}`))
	f.Add([]byte(`{"returnCode":0,"data":{"orderNumber":"O1","payStatus":1}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseSearch(body)
		if err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		// Only a field spelled pay_status (any case or underscores) can
		// say paid: never the API's own "status".
		var v any
		_ = json.Unmarshal(body, &v)
		keys, _ := json.Marshal(v) // keys unescaped, as the parser saw them
		if s.PayStatus != "" && !strings.Contains(strings.ToLower(strings.ReplaceAll(string(keys), "_", "")), "paystatus") {
			t.Fatalf("%q: pay_status %q read from another field", body, s.PayStatus)
		}
		// Two spellings of one field must not make the result depend on
		// map order.
		for range 3 {
			if again, _ := ParseSearch(body); again != s {
				t.Fatalf("%q parsed as %+v, then %+v", body, s, again)
			}
		}
	})
}

// The bodies of search (camelCase orderNumber, as documented), void and
// refund, compared decoded with golden files.
func TestOtherRequestsGolden(t *testing.T) {
	omni := Envelope{StoreID: "0", IsTest: true} // the gateway's pages: the same fields as pay
	bodies := map[string]any{
		"search_request.golden.json": SearchBody{Request: SearchFields{ReqID: "9CC154A0-E12C-4AC5-8CC0-1154409D3753", OrderNumber: "IXN20240827000003"}, Envelope: omni},
		"void_request.golden.json":   VoidBody{Request: VoidFields{ReqID: "9CC154A0-E12C-4AC5-8CC0-1154409D3754", OrderNumber: "IXN20240827000003"}, Envelope: omni},
		"refund_request.golden.json": RefundBody{Request: RefundFields{ReqID: "9CC154A0-E12C-4AC5-8CC0-1154409D3755", TransactionID: "e2458974869618", Amount: 2}, Envelope: omni},
	}
	for file, body := range bodies {
		got, _ := json.MarshalIndent(body, "", "  ")
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", file), append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var g, want any
		_ = json.Unmarshal(got, &g)
		if err := json.Unmarshal(readFile(t, file), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("%s: got\n%s", file, got)
		}
	}
}
