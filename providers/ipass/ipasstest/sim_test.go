package ipasstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/scanpay/scanpay/providers/ipass"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

func login(t *testing.T, base string) string {
	t.Helper()
	_, a := post(t, base, "/v2/auth/login", "", map[string]any{"authkey": ipasstest.AuthKey, "acckey": ipasstest.AccKey})
	tok, _ := a["token"].(string)
	if tok == "" {
		t.Fatalf("login answered %v", a)
	}
	return tok
}

func post(t *testing.T, base, path, token string, body any) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	return resp.StatusCode, m
}

func payBody(code, orderNo string) map[string]any {
	now := ipass.FormatTime(time.Now())
	return map[string]any{
		"store_id": ipasstest.OmniStoreID,
		"request": map[string]any{
			"req_id": strings.ToUpper(uuid.NewString()), "trade_code": code, "amount": 229, "order_number": orderNo,
			"store_id": ipasstest.StoreID, "terminal_id": "AB123456", "capture": true,
			"pos_date_time": now, "trade_date_time": now, "redeem": map[string]any{"non_redeem_amout": 80},
		},
	}
}

func inner(b map[string]any) map[string]any { return b["request"].(map[string]any) }

func TestTheSimulatorRefusesWhatAStrictServerWould(t *testing.T) {
	sim := ipasstest.New(wallettest.Options{})
	defer sim.Close()
	tok := login(t, sim.URL())
	tests := []struct {
		name   string
		mod    func(map[string]any)
		status int
		want   string
	}{
		{"missing redeem", func(b map[string]any) { delete(inner(b), "redeem") }, 400, "redeem"},
		{"missing capture", func(b map[string]any) { delete(inner(b), "capture") }, 400, "capture"},
		{"capture false", func(b map[string]any) { inner(b)["capture"] = false }, 400, "capture"},
		{"terminal id of 9", func(b map[string]any) { inner(b)["terminal_id"] = "AB1234567" }, 400, "terminal_id"},
		{"store id of 21", func(b map[string]any) { inner(b)["store_id"] = strings.Repeat("1", 21) }, 400, "store_id"},
		{"order number of 101", func(b map[string]any) { inner(b)["order_number"] = strings.Repeat("1", 101) }, 400, "order_number"},
		{"req_id not a UUID", func(b map[string]any) { inner(b)["req_id"] = "12345" }, 400, "req_id"},
		{"amount as string", func(b map[string]any) { inner(b)["amount"] = "229" }, 400, "amount"},
		{"correctly spelt redeem field", func(b map[string]any) { inner(b)["redeem"] = map[string]any{"non_redeem_amount": 80} }, 400, "non_redeem_amount"},
		{"time with slashes", func(b map[string]any) { inner(b)["pos_date_time"] = "2023/10/11 01:44:54" }, 400, "pos_date_time"},
		{"trade time in the future", func(b map[string]any) {
			inner(b)["trade_date_time"] = ipass.FormatTime(time.Now().Add(time.Hour))
		}, 400, "trade_date_time"},
		{"short trade code", func(b map[string]any) { inner(b)["trade_code"] = "96A1" }, 400, "trade_code"},
		{"no credentials at all", func(b map[string]any) { delete(b, "store_id") }, 400, "store_id"},
		{"both credential modes", func(b map[string]any) {
			inner(b)["merchantid"], inner(b)["key"], inner(b)["iv"] = ipasstest.MerchantID, ipasstest.MerchantKey, strings.Repeat("ab", 16)
		}, 400, "not both"},
		{"unknown gateway store", func(b map[string]any) { b["store_id"] = "7" }, 403, "store_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := payBody(sim.IssueCode(), "O-"+tc.name)
			tc.mod(b)
			status, a := post(t, sim.URL(), ipass.PayPath, tok, b)
			msg, _ := a["message"].(string)
			if status != tc.status || a["message_from"] != "OMNI" || !strings.Contains(msg, tc.want) {
				t.Fatalf("%d %v, want %d naming %s", status, a, tc.status, tc.want)
			}
		})
	}
	if len(sim.Ledger()) != 0 {
		t.Fatal("a refused request charged")
	}
}

func TestMerchantCredentialsNeedAFreshIV(t *testing.T) {
	sim := ipasstest.New(wallettest.Options{})
	defer sim.Close()
	tok := login(t, sim.URL())
	iv := strings.Repeat("0f", 16)
	for i, want := range []int{200, 400} {
		b := payBody(sim.IssueCode(), "O-iv-"+string(rune('a'+i)))
		delete(b, "store_id")
		inner(b)["merchantid"], inner(b)["key"], inner(b)["iv"] = ipasstest.MerchantID, ipasstest.MerchantKey, iv
		if status, a := post(t, sim.URL(), ipass.PayPath, tok, b); status != want {
			t.Fatalf("send %d: %d %v", i, status, a)
		}
	}
	b := payBody(sim.IssueCode(), "O-iv-short")
	delete(b, "store_id")
	inner(b)["merchantid"], inner(b)["key"], inner(b)["iv"] = ipasstest.MerchantID, ipasstest.MerchantKey, "abcd"
	if status, _ := post(t, sim.URL(), ipass.PayPath, tok, b); status != 400 {
		t.Fatalf("short iv: %d", status)
	}
}

// The spec's own example is accepted (with today's times); repeating its
// order number answers 0006, and search tells the truth, in the documented
// camelCase.
func TestTheSpecExampleRepeatAndSearch(t *testing.T) {
	sim := ipasstest.New(wallettest.Options{AcceptUnissued: true})
	defer sim.Close()
	tok := login(t, sim.URL())
	raw, err := os.ReadFile("../testdata/spec_pay_request.json")
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	inner(b)["pos_date_time"] = " " + ipass.FormatTime(time.Now()) // the spec's leading space, kept
	inner(b)["trade_date_time"] = ipass.FormatTime(time.Now())
	status, a := post(t, sim.URL(), ipass.PayPath, tok, b)
	if status != 200 || a["return_code"] != "0000" || a["transaction_id"] == "" || a["order_number"] != "IXN20231011000001" {
		t.Fatalf("%d %v", status, a)
	}
	if _, a := post(t, sim.URL(), ipass.PayPath, tok, b); a["return_code"] != "0006" || a["message_from"] != "IPASS" {
		t.Fatalf("repeat: %v", a)
	}
	// Search without the pay's credentials (the gateway's page: the same
	// store_id, or merchantid/key/iv) is refused.
	bare := map[string]any{"request": map[string]any{"req_id": uuid.NewString(), "orderNumber": "IXN20231011000001"}}
	if status, _ := post(t, sim.URL(), ipass.SearchPath, tok, bare); status != 400 {
		t.Fatalf("search without store_id: %d, want 400", status)
	}
	search := map[string]any{"store_id": "0", "request": map[string]any{"req_id": uuid.NewString(), "orderNumber": "IXN20231011000001"}}
	if _, s := post(t, sim.URL(), ipass.SearchPath, tok, search); s["return_code"] != "0000" || s["pay_status"] != ipasstest.StatusPaid || s["amount"] != 229.0 || s["original_transactionId"] != a["transaction_id"] {
		t.Fatalf("search: %v", s)
	}
	// The spec example's pay had no is_test; a search that says it is a
	// test does not find it.
	test := map[string]any{"store_id": "0", "is_test": true, "request": map[string]any{"req_id": uuid.NewString(), "orderNumber": "IXN20231011000001"}}
	if status, _ := post(t, sim.URL(), ipass.SearchPath, tok, test); status != 400 {
		t.Fatalf("search with another is_test: %d, want 400", status)
	}
	snake := map[string]any{"store_id": "0", "request": map[string]any{"req_id": uuid.NewString(), "order_number": "IXN20231011000001"}}
	if status, _ := post(t, sim.URL(), ipass.SearchPath, tok, snake); status != 400 {
		t.Fatalf("search with order_number: %d, want 400 (the doc says orderNumber)", status)
	}
	missing := map[string]any{"store_id": "0", "request": map[string]any{"req_id": uuid.NewString(), "orderNumber": "NOPE"}}
	if _, s := post(t, sim.URL(), ipass.SearchPath, tok, missing); s["return_code"] != ipasstest.CodeNotFound {
		t.Fatalf("search for nothing: %v", s)
	}
	if l := sim.Ledger(); len(l) != 1 || l[0].Requests != 2 {
		t.Fatalf("ledger %+v", l)
	}
}

func TestRefundWithoutAmountIsEverythingThatRemains(t *testing.T) {
	sim := ipasstest.New(wallettest.Options{})
	defer sim.Close()
	tok := login(t, sim.URL())
	_, a := post(t, sim.URL(), ipass.PayPath, tok, payBody(sim.IssueCode(), "O-refund"))
	txn, _ := a["transaction_id"].(string)
	refund := func(amount any) map[string]any {
		q := map[string]any{"req_id": uuid.NewString(), "transaction_id": txn}
		if amount != nil {
			q["amount"] = amount
		}
		_, r := post(t, sim.URL(), ipass.RefundPath, tok, map[string]any{"store_id": ipasstest.OmniStoreID, "request": q})
		return r
	}
	if status, _ := post(t, sim.URL(), ipass.RefundPath, tok, map[string]any{"request": map[string]any{"req_id": uuid.NewString(), "transaction_id": txn, "amount": 1}}); status != 400 {
		t.Fatalf("refund without store_id: %d, want 400", status)
	}
	if r := refund(29); r["return_code"] != "0000" || r["cancel_transaction_id"] == "" || r["cancel_date_time"] == "" {
		t.Fatalf("partial: %v", r)
	}
	if r := refund(nil); r["return_code"] != "0000" || r["amount"] != 200.0 {
		t.Fatalf("the rest: %v", r)
	}
	if r := refund(1); r["return_code"] != ipasstest.CodeRefundExceeds {
		t.Fatalf("beyond: %v", r)
	}
}
