package ipass_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// Search, void and refund carry the pay request's credentials (the
// gateway's Ipass Search, Void and Refund pages: the same store_id, or
// merchantid/key/iv, and is_test as pay). The simulator refuses any call
// without them, so each step below only succeeds when they are sent; and a
// search that finds the charge reads its original_transactionId.
func TestEveryCallCarriesThePayCredentials(t *testing.T) {
	for _, merchant := range []bool{false, true} {
		t.Run(fmt.Sprintf("merchant=%v", merchant), func(t *testing.T) {
			f := newFixture(t, merchant)
			ctx := context.Background()

			// search finds a charge whose answer was lost.
			paid := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			if out := f.wallet.Pay(ctx, paid); out.Kind != providers.Unknown {
				t.Fatalf("pay: %+v", out)
			}
			approval := f.wallet.Resolve(ctx, paid)
			cs := f.charges(t, paid)
			if approval.Kind != providers.Approved || len(cs) != 1 || approval.TransactionID != cs[0].TransactionID {
				t.Fatalf("resolve by search: %+v, ledger %+v", approval, cs)
			}

			// refund, part of it.
			rr := providers.RefundRequest{RefundID: "r1", Payment: paid, Approval: approval, Amount: 100, Attempt: 1}
			ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			rr.Ref = ref
			if out := f.wallet.Refund(ctx, rr); out.Kind != providers.Approved {
				t.Fatalf("refund: %+v", out)
			}

			// void of an approved payment.
			pay2 := f.payment(t, 80)
			ok2 := f.wallet.Pay(ctx, pay2)
			if ok2.Kind != providers.Approved {
				t.Fatalf("pay2: %+v", ok2)
			}
			if out := f.wallet.Void(ctx, pay2, ok2); out.Kind != providers.Voided {
				t.Fatalf("void: %+v", out)
			}
		})
	}
}
