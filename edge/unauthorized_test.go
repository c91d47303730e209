package edge

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestPersistent401 puts a 401 that outlasts a fresh login on each step
// (pay, resolve, reverse, refund) of each wallet. While it lasts, nothing
// may be told that the wallet did not say: no approval without a charge,
// no decline of a payment that was charged, no reversal or refund counted
// done. Once the account is let in again, everything ends final and true.
func TestPersistent401(t *testing.T) {
	lasting := wallettest.Fault{Kind: wallettest.Unauthorized}
	for _, w := range simNames {
		t.Run("pay/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			f := faultsOf(t, r.sims[w])
			f.SetAlways(wallettest.CallPay, lasting)
			v := r.pay("L1", "U-1", 100, w)
			v = r.during(v.ID, time.Second)
			if v.State == store.Approved || len(r.sims[w].Ledger()) != 0 {
				t.Fatalf("a refused pay ended %s with %d charges", v.State, len(r.sims[w].Ledger()))
			}
			t.Logf("a pay refused with 401s ends %s: %v", v.State, historyStates(v))
			f.Clear()
			r.settle()
			r.checkLedger()
		})
		t.Run("resolve/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			f := faultsOf(t, r.sims[w])
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			f.SetAlways(resolveCall[w], lasting)
			v := r.pay("L1", "U-2", 100, w)
			v = r.during(v.ID, time.Second)
			if v.State != store.Unknown {
				t.Fatalf("a charge whose settling call gets 401s is %s, want unknown; history %v", v.State, historyStates(v))
			}
			f.Clear()
			v = r.wait(v.ID)
			want := store.Approved
			if w == "jkopay" { // JKOPay settles by Cancel: the charge is given back
				want = store.Voided
			}
			if v.State != want {
				t.Errorf("after the 401s ended: %s, want %s", v.State, want)
			}
			r.settle()
			r.checkLedger()
		})
		t.Run("reverse/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			f := faultsOf(t, r.sims[w])
			v := r.wait(r.pay("L1", "U-3", 100, w).ID)
			for _, call := range []string{wallettest.CallVoid, wallettest.CallCancel, wallettest.CallRefund} {
				f.SetAlways(call, lasting)
			}
			if _, err := r.e.Cancel(context.Background(), v.ID); err != nil {
				t.Fatal(err)
			}
			v = r.during(v.ID, time.Second)
			if v.State != store.Reversing {
				t.Fatalf("a reversal met by 401s is %s, want reversing; history %v", v.State, historyStates(v))
			}
			f.Clear()
			r.settle()
			if v, _ = r.e.Payment(context.Background(), v.ID); v.State != store.Reversed {
				t.Errorf("after the 401s ended: %s, want reversed", v.State)
			}
			r.checkLedger()
		})
		t.Run("refund/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			f := faultsOf(t, r.sims[w])
			v := r.wait(r.pay("L1", "U-4", 100, w).ID)
			f.SetAlways(wallettest.CallRefund, lasting)
			if _, err := r.e.Refund(context.Background(), v.ID, 100); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			v, _ = r.e.Payment(context.Background(), v.ID)
			if rv := v.Refunds[0]; rv.State == store.RefundSucceeded || v.State == store.Refunded {
				t.Fatalf("a refund met by 401s counted done: refund %s, payment %s", rv.State, v.State)
			}
			f.Clear()
			r.settle()
			r.checkLedger()
		})
	}
}

// during watches payment id for d and returns it as it then stands,
// failing the test if it ever shows a state out of the money's truth that
// cannot be taken back (a decline after a charge is caught by the caller).
func (r *rig) during(id string, d time.Duration) PaymentView {
	r.t.Helper()
	end := time.Now().Add(d)
	for {
		v, err := r.e.Payment(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		if time.Now().After(end) || slices.Contains([]store.State{store.Approved, store.Declined, store.Voided, store.Reversed, store.Refunded, store.Expired, store.Cancelled}, v.State) {
			return v
		}
		time.Sleep(10 * time.Millisecond)
	}
}
