package easywallettest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/easywallet"
	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// post sends raw JSON with a token (login first when token is "login").
func post(t *testing.T, base, path, token, body string) (int, map[string]any) {
	t.Helper()
	if token == "login" {
		_, a := post(t, base, "/v2/auth/login", "", `{"authkey":"`+easywallettest.AuthKey+`","acckey":"`+easywallettest.AccKey+`"}`)
		token, _ = a["token"].(string)
		if token == "" {
			t.Fatalf("login answered %v", a)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func payBody(t *testing.T, code, orderNo string, mod func(map[string]any)) string {
	t.Helper()
	b := map[string]any{
		"requestDateTime": easywallet.FormatTime(time.Now()),
		"order": map[string]any{
			"merchantOrderNo": orderNo, "tradeType": "IMMEDIATE", "orderAmount": 110, "rebateNotApplicableAmount": 0,
			"paymentBarCode": code, "branchCode": easywallettest.BranchCode, "orderItems": []any{},
		},
	}
	if mod != nil {
		mod(b)
	}
	out, _ := json.Marshal(b)
	return string(out)
}

func order(b map[string]any) map[string]any { return b["order"].(map[string]any) }

func TestTheSimulatorRefusesWhatAStrictServerWould(t *testing.T) {
	sim := easywallettest.New(wallettest.Options{})
	defer sim.Close()
	tests := []struct {
		name string
		mod  func(map[string]any)
		want string
	}{
		{"missing order", func(b map[string]any) { delete(b, "order") }, "order"},
		{"missing merchantOrderNo", func(b map[string]any) { delete(order(b), "merchantOrderNo") }, "merchantOrderNo"},
		{"missing orderItems", func(b map[string]any) { delete(order(b), "orderItems") }, "orderItems"},
		{"amount as string", func(b map[string]any) { order(b)["orderAmount"] = "110" }, "orderAmount"},
		{"unknown field", func(b map[string]any) { order(b)["orderAmout"] = 1 }, "orderAmout"},
		{"time with separators", func(b map[string]any) { b["requestDateTime"] = "2019-06-12 15:43:11" }, "requestDateTime"},
		{"time in UTC, not UTC+8", func(b map[string]any) {
			b["requestDateTime"] = time.Now().UTC().Add(-time.Hour).Format(easywallet.DateTimeLayout)
		}, "requestDateTime"},
		{"trade type", func(b map[string]any) { order(b)["tradeType"] = "LATER" }, "tradeType"},
		{"rebate above amount", func(b map[string]any) { order(b)["rebateNotApplicableAmount"] = 111 }, "rebateNotApplicableAmount"},
		{"letters in the code", func(b map[string]any) { order(b)["paymentBarCode"] = "99ABC000000000000000" }, "paymentBarCode"},
		{"another branch", func(b map[string]any) { order(b)["branchCode"] = "X" }, "branchCode"},
		{"subtotal", func(b map[string]any) {
			order(b)["orderItems"] = []any{map[string]any{"qty": 2, "unitPrice": 25, "subtotal": 49}}
		}, "subtotal"},
		{"negative retry_time", func(b map[string]any) { b["retry_time"] = -1 }, "retry_time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, a := post(t, sim.URL(), easywallet.PayPath, "login", payBody(t, sim.IssueCode(), "O-"+tc.name, tc.mod))
			msg, _ := a["returnMsg"].(string)
			if status != http.StatusBadRequest || a["returnCode"] != easywallettest.CodeBadRequest || !strings.Contains(msg, tc.want) {
				t.Fatalf("%d %v, want 400 naming %s", status, a, tc.want)
			}
		})
	}
	if len(sim.Ledger()) != 0 {
		t.Fatal("a refused request charged")
	}
}

func TestTheSimulatorChecksTheToken(t *testing.T) {
	sim := easywallettest.New(wallettest.Options{})
	defer sim.Close()
	for _, tok := range []string{"", "made-up"} {
		if status, _ := post(t, sim.URL(), easywallet.PayPath, tok, payBody(t, sim.IssueCode(), "O1", nil)); status != http.StatusUnauthorized {
			t.Fatalf("token %q: %d", tok, status)
		}
	}
	if status, _ := post(t, sim.URL(), "/v2/auth/login", "", `{"authkey":"x","acckey":"y"}`); status != http.StatusUnauthorized {
		t.Fatalf("wrong keys: %d", status)
	}
	if status, _ := post(t, sim.URL(), "/v2/auth/login", "", `{"authkey":"x"}`); status != http.StatusBadRequest {
		t.Fatalf("missing acckey: %d", status)
	}
}

// The spec's own example order is accepted once its branch, code and time
// are this simulator's; a repeat is answered from the ledger.
func TestTheSpecExampleIsAcceptedAndARepeatIsMarkedDuplicate(t *testing.T) {
	sim := easywallettest.New(wallettest.Options{AcceptUnissued: true})
	defer sim.Close()
	raw, err := os.ReadFile("../testdata/spec_pay_request.json")
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	b["requestDateTime"] = easywallet.FormatTime(time.Now())
	order(b)["branchCode"] = easywallettest.BranchCode
	body, _ := json.Marshal(b)
	for i, wantDup := range []bool{false, true} {
		status, a := post(t, sim.URL(), easywallet.PayPath, "login", string(body))
		data, _ := a["data"].(map[string]any)
		if status != 200 || a["returnCode"] != "00000" || data["isDuplicatedPaymentRequest"] != wantDup || data["orderStatus"] != "PAYMENT_RECEIVED" {
			t.Fatalf("send %d: %d %v", i, status, a)
		}
	}
	l := sim.Ledger()
	if len(l) != 1 || l[0].Amount != 110 || l[0].Requests != 2 || l[0].Key != "108010100202" {
		t.Fatalf("ledger %+v", l)
	}
	// The same merchantOrderNo for a different amount is refused.
	order(b)["orderAmount"] = 120
	body, _ = json.Marshal(b)
	if _, a := post(t, sim.URL(), easywallet.PayPath, "login", string(body)); a["returnCode"] != easywallettest.CodeOrderConflict {
		t.Fatalf("conflict: %v", a)
	}
}

// Handler serves on a listener of the caller's choosing.
func TestHandlerOnOwnListener(t *testing.T) {
	sim := easywallettest.NewUnstarted(wallettest.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: sim.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	status, a := post(t, "http://"+ln.Addr().String(), easywallet.PayPath, "login", payBody(t, sim.IssueCode(), "O-own", nil))
	if status != 200 || a["returnCode"] != "00000" {
		t.Fatalf("%d %v", status, a)
	}
}

// A decline states whether the wallet had seen the order: false on its
// first sight, true (with the original code) on a repeat; with
// RefuseRepeatedOrders a repeat is refused with no data, so no flag.
func TestADeclineStatesWhetherTheOrderWasSeen(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		t.Run(fmt.Sprint("refuse repeats ", refuse), func(t *testing.T) {
			sim := easywallettest.New(wallettest.Options{})
			defer sim.Close()
			sim.RefuseRepeatedOrders(refuse)
			body := payBody(t, sim.IssueCode(), "O-declined", func(b map[string]any) {
				order(b)["orderAmount"] = 928 // the magic insufficient-balance amount
			})
			_, a := post(t, sim.URL(), easywallet.PayPath, "login", body)
			data, _ := a["data"].(map[string]any)
			if a["returnCode"] != easywallettest.CodeInsufficient || data["isDuplicatedPaymentRequest"] != false || data["merchantOrderNo"] != "O-declined" {
				t.Fatalf("first send: %v", a)
			}
			_, a = post(t, sim.URL(), easywallet.PayPath, "login", body)
			data, hasData := a["data"].(map[string]any)
			switch {
			case refuse && (a["returnCode"] != easywallettest.CodeRepeatedOrder || hasData):
				t.Fatalf("refused repeat: %v, want %s without data", a, easywallettest.CodeRepeatedOrder)
			case !refuse && (a["returnCode"] != easywallettest.CodeInsufficient || data["isDuplicatedPaymentRequest"] != true):
				t.Fatalf("repeat: %v, want the original decline marked duplicate", a)
			}
			if len(sim.Ledger()) != 0 {
				t.Fatal("a decline charged")
			}
		})
	}
}
