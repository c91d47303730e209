package edge

import (
	"slices"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestIPassResolveVoidFaults: iPass settles an unknown outcome by a search
// and, when the search finds no payment, a void of the order number. The
// void step under a hang, a dropped connection (before or after iPass
// acted), a 5xx and garbage (malformed, truncated) must leave the payment
// unknown and retried until the void is answered, then voided, with
// nothing charged.
func TestIPassResolveVoidFaults(t *testing.T) {
	const w = "ipass"
	for _, f := range allFaults {
		if f.Kind == wallettest.Delay || f.Kind == wallettest.Decline {
			continue // a slow answer and a refusal are other cells
		}
		t.Run(f.Kind.String(), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
			r.sims[w].Inject(wallettest.CallVoid, f, f) // the first two voids fail
			v := r.wait(r.pay("L1", "V-1", 100, w).ID)
			if v.State != store.Voided || !slices.Contains(historyStates(v), store.Unknown) {
				t.Fatalf("ended %s (history %v), want voided by way of unknown", v.State, historyStates(v))
			}
			if p, _ := r.j.Get(v.ID); p.Attempts < 4 { // the pay, and three resolves: two failed voids, one answered
				t.Errorf("%d attempts: the faulty voids were not retried", p.Attempts)
			}
			r.settle()
			r.checkLedger()
		})
	}
}
