package jkopay_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// A success answer that contradicts the payment (JKOPay charged, but the
// answer's amounts do not fit) is not an approval: Unknown naming why, and
// the Cancel of the resolution then gives the money back.
func TestAContradictingApprovalIsUnknownThenSettled(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]any
		why    string
	}{
		{"DebitAmount above TradeAmount", map[string]any{"DebitAmount": 5000}, "DebitAmount 5000"},
		{"negative DebitAmount", map[string]any{"DebitAmount": -1}, "DebitAmount -1"},
		{"a positive redeem", map[string]any{"RedeemAmount": 3}, "positive"},
		{"amounts that do not add up", map[string]any{"DebitAmount": 7}, "do not add up"},
		{"another TradeAmount", map[string]any{"TradeAmount": 111}, "not the 110 asked"},
		{"no TradeNo", map[string]any{"TradeNo": ""}, "without a TradeNo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, wallettest.Options{}, nil)
			w := r.behindPaymentProxy(t, func(w http.ResponseWriter, req *http.Request) {
				rec := httptest.NewRecorder()
				r.sim.Handler().ServeHTTP(rec, req) // JKOPay charges
				var a map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
					t.Errorf("simulator answer: %v", err)
				}
				for k, v := range tt.change {
					a[k] = v
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(a)
			})
			req := r.payment(t, r.sim.IssueCode(), 110)
			out := w.Pay(context.Background(), req)
			if out.Kind != providers.Unknown || out.NotSent || out.Code != "000" || !strings.Contains(out.Message, tt.why) || !strings.Contains(out.Message, "not an approval") {
				t.Fatalf("pay = %+v, want Unknown naming %q", out, tt.why)
			}
			if res := w.Resolve(context.Background(), req); res.Kind != providers.Voided {
				t.Fatalf("resolve = %+v, want Voided", res)
			}
			cs := charges(t, r.sim, req.Ref[jkopay.RefMerchantTradeNo])
			if len(cs) != 1 || !cs[0].Voided {
				t.Fatalf("ledger %+v: want the charge voided", cs)
			}
		})
	}
}
