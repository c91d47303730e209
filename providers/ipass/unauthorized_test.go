package ipass_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// ipassCalls sets up each of iPass's four calls and returns the operation
// that sends it, with the outcome it ends in when the call goes through.
func ipassCalls(t *testing.T, f *fixture) map[string]func() (func() providers.Outcome, providers.Kind) {
	ctx := context.Background()
	approved := func(amount int64) (providers.PayRequest, providers.Outcome) {
		req := f.payment(t, amount)
		out := f.wallet.Pay(ctx, req)
		if out.Kind != providers.Approved {
			t.Fatalf("setup pay: %+v", out)
		}
		return req, out
	}
	return map[string]func() (func() providers.Outcome, providers.Kind){
		wallettest.CallPay: func() (func() providers.Outcome, providers.Kind) {
			req := f.payment(t, 300)
			return func() providers.Outcome { return f.wallet.Pay(ctx, req) }, providers.Approved
		},
		wallettest.CallSearch: func() (func() providers.Outcome, providers.Kind) {
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			f.wallet.Pay(ctx, req)
			return func() providers.Outcome { return f.wallet.Resolve(ctx, req) }, providers.Approved
		},
		wallettest.CallVoid: func() (func() providers.Outcome, providers.Kind) {
			req, ok := approved(80)
			return func() providers.Outcome { return f.wallet.Void(ctx, req, ok) }, providers.Voided
		},
		wallettest.CallRefund: func() (func() providers.Outcome, providers.Kind) {
			req, ok := approved(90)
			rr := providers.RefundRequest{RefundID: "r", Payment: req, Approval: ok, Amount: 40, Attempt: 1}
			ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			rr.Ref = ref
			return func() providers.Outcome { return f.wallet.Refund(ctx, rr) }, providers.Approved
		},
	}
}

// Every call answered 401 once (a token the gateway dropped) goes through
// after one fresh login, resent as a new request: the simulator refuses a
// resend that repeats the refused request's iv, or the req_id of a search
// or void. A 401 that persists after the fresh login is a configuration
// error for the administrator, and nothing moves.
func TestA401OnEveryCall(t *testing.T) {
	for _, merchant := range []bool{false, true} {
		for _, call := range []string{wallettest.CallPay, wallettest.CallSearch, wallettest.CallVoid, wallettest.CallRefund} {
			t.Run(fmt.Sprintf("%s/merchant=%v/once", call, merchant), func(t *testing.T) {
				f := newFixture(t, merchant)
				op, want := ipassCalls(t, f)[call]()
				if err := f.wallet.Health(context.Background()); err != nil { // logged in
					t.Fatal(err)
				}
				logins := f.wallet.Gateway().Logins()
				f.sim.Inject(call, wallettest.Fault{Kind: wallettest.Unauthorized})
				if out := op(); out.Kind != want {
					t.Fatalf("%s after one 401: %+v, want %v", call, out, want)
				}
				if got := f.wallet.Gateway().Logins(); got != logins+1 {
					t.Fatalf("logins %d -> %d, want one more", logins, got)
				}
			})
			t.Run(fmt.Sprintf("%s/merchant=%v/persists", call, merchant), func(t *testing.T) {
				f := newFixture(t, merchant)
				op, _ := ipassCalls(t, f)[call]()
				before := fmt.Sprint(f.sim.Ledger())
				f.sim.Faults().SetAlways(call, wallettest.Fault{Kind: wallettest.Unauthorized})
				out := op()
				if out.Kind != providers.ConfigError || out.Code != "401" {
					t.Fatalf("%s with a lasting 401: %+v, want config_error 401", call, out)
				}
				if after := fmt.Sprint(f.sim.Ledger()); after != before {
					t.Fatalf("the ledger moved: %s -> %s", before, after)
				}
			})
		}
	}
}
