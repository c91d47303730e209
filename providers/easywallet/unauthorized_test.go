package easywallet_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// Pay, resolve (a resend of pay) and refund each answered 401 once go
// through after one fresh login; a 401 that persists after it is a
// configuration error, and nothing moves.
func TestA401OnEveryCall(t *testing.T) {
	ctx := context.Background()
	calls := []struct {
		name, call string
		setup      func(t *testing.T, f *fixture) func() providers.Outcome
		want       providers.Kind
	}{
		{"pay", wallettest.CallPay, func(t *testing.T, f *fixture) func() providers.Outcome {
			req := f.payment(t, 110)
			return func() providers.Outcome { return f.wallet.Pay(ctx, req) }
		}, providers.Approved},
		{"resolve", wallettest.CallPay, func(t *testing.T, f *fixture) func() providers.Outcome {
			req := f.payment(t, 110)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			f.wallet.Pay(ctx, req)
			return func() providers.Outcome { return f.wallet.Resolve(ctx, req) }
		}, providers.Approved},
		{"refund", wallettest.CallRefund, func(t *testing.T, f *fixture) func() providers.Outcome {
			req := f.payment(t, 110)
			ok := f.wallet.Pay(ctx, req)
			rr := providers.RefundRequest{RefundID: "r", Payment: req, Approval: ok, Amount: 10, Attempt: 1}
			ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			rr.Ref = ref
			return func() providers.Outcome { return f.wallet.Refund(ctx, rr) }
		}, providers.Approved},
	}
	for _, c := range calls {
		t.Run(c.name+"/once", func(t *testing.T) {
			f := newFixture(t)
			op := c.setup(t, f)
			if err := f.wallet.Health(ctx); err != nil {
				t.Fatal(err)
			}
			logins := f.wallet.Gateway().Logins()
			f.sim.Inject(c.call, wallettest.Fault{Kind: wallettest.Unauthorized})
			if out := op(); out.Kind != c.want {
				t.Fatalf("after one 401: %+v, want %v", out, c.want)
			}
			if got := f.wallet.Gateway().Logins(); got != logins+1 {
				t.Fatalf("logins %d -> %d, want one more", logins, got)
			}
		})
		t.Run(c.name+"/persists", func(t *testing.T) {
			f := newFixture(t)
			op := c.setup(t, f)
			before := fmt.Sprint(f.sim.Ledger())
			f.sim.Faults().SetAlways(c.call, wallettest.Fault{Kind: wallettest.Unauthorized})
			if out := op(); out.Kind != providers.ConfigError || out.Code != "401" {
				t.Fatalf("lasting 401: %+v, want config_error 401", out)
			}
			if after := fmt.Sprint(f.sim.Ledger()); after != before {
				t.Fatalf("the ledger moved: %s -> %s", before, after)
			}
		})
	}
}
