package jkopay_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// JKOPay has no login: a 401 on any call comes from something on the way,
// which may have passed the request on. Payment, Cancel (as resolution and
// as void) and Refund are Unknown, never a decline, and the next send
// settles them; Health reports it. A lasting 401 changes nothing moved.
func TestA401OnEveryCall(t *testing.T) {
	ctx := context.Background()
	for _, lasting := range []bool{false, true} {
		t.Run(fmt.Sprintf("lasting=%v", lasting), func(t *testing.T) {
			r := newRig(t, wallettest.Options{}, nil)
			fault := func(call string) {
				if lasting {
					r.sim.Faults().SetAlways(call, wallettest.Fault{Kind: wallettest.Unauthorized})
				} else {
					r.sim.Inject(call, wallettest.Fault{Kind: wallettest.Unauthorized})
				}
			}
			heal := func() { r.sim.Faults().Clear() }

			pay := r.payment(t, r.sim.IssueCode(), 100)
			fault(wallettest.CallPay)
			if out := r.w.Pay(ctx, pay); out.Kind != providers.Unknown || !strings.Contains(out.Message, "401") {
				t.Fatalf("payment: %+v", out)
			}
			fault(wallettest.CallCancel)
			if out := r.w.Resolve(ctx, pay); out.Kind != providers.Unknown {
				t.Fatalf("resolve: %+v", out)
			}
			heal()
			if out := r.w.Resolve(ctx, pay); out.Kind != providers.Voided {
				t.Fatalf("resolve after: %+v", out)
			}

			pay2 := r.payment(t, r.sim.IssueCode(), 60)
			ok := r.w.Pay(ctx, pay2)
			fault(wallettest.CallCancel)
			if out := r.w.Void(ctx, pay2, ok); out.Kind != providers.Unknown {
				t.Fatalf("void: %+v", out)
			}
			rr := providers.RefundRequest{Payment: pay2, Approval: ok, Amount: 10, Attempt: 1}
			rr.Ref, _ = r.w.NewRefundRef(rr, time.Now())
			fault(wallettest.CallRefund)
			if out := r.w.Refund(ctx, rr); out.Kind != providers.Unknown {
				t.Fatalf("refund: %+v", out)
			}
			fault(wallettest.CallInquiry)
			if err := r.w.Health(ctx); err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("health: %v", err)
			}
			heal()
			if out := r.w.Refund(ctx, rr); out.Kind != providers.Approved {
				t.Fatalf("refund after: %+v", out)
			}
			cs := charges(t, r.sim, pay2.Ref[jkopay.RefMerchantTradeNo])
			if len(cs) != 1 || cs[0].Voided || cs[0].Refunded != 10 {
				t.Fatalf("ledger %+v", cs)
			}
		})
	}
}
