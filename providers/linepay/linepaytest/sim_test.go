package linepaytest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers/linepay"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// The simulator refuses what LINE Pay would: every header and field is
// checked, and nothing refused is charged.
func TestStrictness(t *testing.T) {
	sim := linepaytest.New(wallettest.Options{})
	defer sim.Close()
	good := func() map[string]any {
		return map[string]any{"productName": "tea", "amount": 100, "currency": "TWD", "orderId": "A-1", "oneTimeKey": sim.IssueCode(), "capture": true}
	}
	headers := func() http.Header {
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set(linepay.HeaderChannelID, linepaytest.ChannelID)
		h.Set(linepay.HeaderChannelSecret, linepaytest.ChannelSecret)
		return h
	}
	tests := []struct {
		name   string
		method string
		path   string
		body   func() map[string]any
		hdr    func(http.Header)
		status int
		code   string
	}{
		{"wrong secret", "POST", linepay.PayPath, good, func(h http.Header) { h.Set(linepay.HeaderChannelSecret, "x") }, 200, "1106"},
		{"no channel id", "POST", linepay.PayPath, good, func(h http.Header) { h.Del(linepay.HeaderChannelID) }, 200, "1106"},
		{"v4 headers on v2", "POST", linepay.PayPath, good, func(h http.Header) { h.Set("X-LINE-Authorization", "sig") }, 200, "1106"},
		{"device type alone", "POST", linepay.PayPath, good, func(h http.Header) { h.Set(linepay.HeaderDeviceType, "POS") }, 200, "1106"},
		{"text/plain", "POST", linepay.PayPath, good, func(h http.Header) { h.Set("Content-Type", "text/plain") }, 200, linepaytest.CodeBadJSON},
		{"unknown field", "POST", linepay.PayPath, func() map[string]any { b := good(); b["tip"] = 1; return b }, nil, 200, linepaytest.CodeBadParameter},
		{"amount as text", "POST", linepay.PayPath, func() map[string]any { b := good(); b["amount"] = "100"; return b }, nil, 200, linepaytest.CodeBadParameter},
		{"no orderId", "POST", linepay.PayPath, func() map[string]any { b := good(); delete(b, "orderId"); return b }, nil, 200, linepaytest.CodeBadParameter},
		{"orderId of 101", "POST", linepay.PayPath, func() map[string]any { b := good(); b["orderId"] = strings.Repeat("a", 101); return b }, nil, 200, linepaytest.CodeBadParameter},
		{"key of 17", "POST", linepay.PayPath, func() map[string]any { b := good(); b["oneTimeKey"] = "38131100878170830"; return b }, nil, 200, "1101"},
		{"USD", "POST", linepay.PayPath, func() map[string]any { b := good(); b["currency"] = "USD"; return b }, nil, 200, "1178"},
		{"zero amount", "POST", linepay.PayPath, func() map[string]any { b := good(); b["amount"] = 0; return b }, nil, 200, "1183"},
		{"GET pay", "GET", linepay.PayPath, nil, nil, 405, ""},
		{"POST check", "POST", linepay.OrderPath("A-1", linepay.CallCheck), nil, nil, 405, ""},
		{"unknown call", "POST", "/v2/payments/orders/A-1/capture", nil, nil, 404, ""},
		{"check unknown order", "GET", linepay.OrderPath("nope", linepay.CallCheck), nil, nil, 200, "1150"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader
			if tc.body != nil {
				b, _ := json.Marshal(tc.body())
				rd = strings.NewReader(string(b))
			}
			req, _ := http.NewRequest(tc.method, sim.URL()+tc.path, rd)
			req.Header = headers()
			if tc.hdr != nil {
				tc.hdr(req.Header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("HTTP %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.code == "" {
				return
			}
			var a struct{ ReturnCode string }
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || a.ReturnCode != tc.code {
				t.Fatalf("returnCode %q (%v), want %s", a.ReturnCode, err, tc.code)
			}
		})
	}
	if n := len(sim.Ledger()); n != 0 {
		t.Fatalf("%d charges from refused requests", n)
	}
}
