package edge

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// faultsOf gives a simulator's fault queue (SetAlways, Clear), which each
// of the three simulators exposes beside the Simulator interface.
func faultsOf(t *testing.T, s wallettest.Simulator) *wallettest.Faults {
	t.Helper()
	f, ok := s.(interface{ Faults() *wallettest.Faults })
	if !ok {
		t.Fatalf("simulator %s gives no access to its faults", s.Name())
	}
	return f.Faults()
}

// scanOn scans code on lane and records it, so that checkLedger proves it
// never leaked.
func (r *rig) scanOn(lane, code string) ScanResult {
	r.t.Helper()
	r.mu.Lock()
	r.codes = append(r.codes, code)
	r.mu.Unlock()
	res, err := r.e.Scan(context.Background(), scanner.Scan{Lane: lane, Code: code, Device: "test"})
	if err != nil {
		r.t.Fatalf("Scan: %v", err)
	}
	return res
}

// TestCancelledUnknownFreesLane: a payment whose answer was lost after the
// wallet charged, and whose settling call (JKOPay cancel, EasyWallet
// resend, iPass search) then fails for as long as the test wants, holds
// its lane only until the POS cancels it. Then the next customer pays on
// the same lane, also after a restart, while the old payment keeps
// failing to settle; once the wallet answers again its charge is given
// back. The journal and the wallet's books agree at the end.
func TestCancelledUnknownFreesLane(t *testing.T) {
	// The wallet the next customers pay with: EasyWallet settles by
	// resending the pay request, so while that is down its pay is down
	// too, and the next customer pays with another wallet.
	next := map[string]string{"jkopay": "jkopay", "easywallet": "jkopay", "ipass": "ipass", "linepay": "linepay"}
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "journal.db")
			wallets := []string{w}
			if next[w] != w {
				wallets = append(wallets, next[w])
			}
			o := rigOpts{wallets: wallets, path: path, timeout: 300 * time.Millisecond}
			r := newRig(t, o)
			down := faultsOf(t, r.sims[w])
			// The charge lands, its answer is lost; every settling call
			// after that gets a 500 until the wallet is back.
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			down.SetAlways(resolveCall[w], wallettest.Fault{Kind: wallettest.ServerError})

			old := r.pay("L1", "A-1", 100, w)
			r.waitState(old.ID, store.Unknown)
			if res := r.scanOn("L1", r.sims[next[w]].IssueCode()); res.Kind != "ignored" {
				t.Fatalf("a scan while the lane's payment is unknown and not cancelled = %+v; want ignored", res)
			}

			v, err := r.e.Cancel(ctx, old.ID)
			if err != nil || v.State != store.Unknown {
				t.Fatalf("Cancel of the unknown payment = %s, %v; want it still unknown (settling in the background)", v.State, err)
			}
			// The next customer: a new checkout, and the scan pays it, not
			// the old payment.
			b, created, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "B-1", Amount: 40})
			if err != nil || !created || b.State != store.AwaitingScan {
				t.Fatalf("next checkout = %+v, %v, %v", b.State, created, err)
			}
			if res := r.scanOn("L1", r.sims[next[w]].IssueCode()); res.Kind != "payment" || res.PaymentID != b.ID {
				t.Fatalf("the next customer's scan = %+v; want it to pay %s", res, b.ID)
			}
			if b = r.wait(b.ID); b.State != store.Approved {
				t.Fatalf("the next customer's payment ended %s; history %+v", b.State, b.History)
			}
			// The old payment is still trying: the outage lasts.
			deadline := time.Now().Add(10 * time.Second)
			for {
				p, err := r.j.Get(old.ID)
				if err != nil {
					t.Fatal(err)
				}
				if p.State != store.Unknown {
					t.Fatalf("the old payment left unknown (%s) while its wallet cannot settle it; history %+v", p.State, p.History)
				}
				if p.Attempts >= 4 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the old payment was tried %d times in 10s; want its settling retried while the wallet is down", p.Attempts)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// The same order again is not this payment and cannot take a
			// second one while the old may still take money.
			if _, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "A-1", Amount: 100}); ErrorCode(err) != ErrConflict {
				t.Fatalf("checkout of the cancelled, unsettled order = %v; want a conflict naming a new order number", err)
			}

			// Restart: the lane is rebuilt from the journal, and the
			// cancelled payment still does not hold it.
			codes := r.codes
			r.stop()
			o.shared = r.sims
			r2 := newRig(t, o)
			r2.codes = append(r2.codes, codes...)
			c, created, err := r2.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "C-1", Amount: 60})
			if err != nil || !created {
				t.Fatalf("checkout after the restart = %v, %v", created, err)
			}
			if res := r2.scanOn("L1", r2.sims[next[w]].IssueCode()); res.Kind != "payment" || res.PaymentID != c.ID {
				t.Fatalf("after a restart, the next customer's scan = %+v; want it to pay %s", res, c.ID)
			}
			if c = r2.wait(c.ID); c.State != store.Approved {
				t.Fatalf("the payment after the restart ended %s", c.State)
			}
			if p, err := r2.j.Get(old.ID); err != nil || p.State != store.Unknown {
				t.Fatalf("the old payment after the restart = %s, %v; want still unknown", p.State, err)
			}

			// The wallet is back: the old charge is found and given back.
			down.Clear()
			v = r2.wait(old.ID)
			if v.State == store.Approved {
				t.Fatalf("the cancelled payment ended approved; want its charge given back")
			}
			r2.settle()
			r2.checkLedger()
		})
	}
}
