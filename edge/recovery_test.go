package edge

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// TestRecovery leaves the journal as a crash would at each non-final state,
// then starts a fresh engine on it and checks each is resumed where it
// stood, against the same simulator.
func TestRecovery(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "j.db")
			sim := newSim(t, w, wallettest.Options{})
			defer sim.Close()
			files, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: "receipts"}, dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()

			// Before the "crash": an engine that never runs its workers, so
			// everything it journals stays where a crash would leave it.
			r1 := newRigWith(t, rigOpts{wallets: []string{w}, path: path, noRun: true, hooks: []hooks.Hook{files}}, sim)
			queued, _, err := r1.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "Q", Amount: 10, Barcode: sim.IssueCode()})
			if err != nil {
				t.Fatal(err)
			}
			waiting, _, err := r1.e.CreatePayment(ctx, CreateRequest{TerminalID: "L2", OrderNumber: "W", Amount: 20})
			if err != nil {
				t.Fatal(err)
			}
			// An approved payment whose refund was journaled in_flight and
			// may or may not have left: charge it for real first.
			ws := r1.e.cfg.Wallets[w]
			paid, _, err := r1.e.CreatePayment(ctx, CreateRequest{TerminalID: "L3", OrderNumber: "R", Amount: 30, Barcode: sim.IssueCode()})
			if err != nil {
				t.Fatal(err)
			}
			p, _ := r1.j.Transition(paid.ID, store.Transition{From: []store.State{store.Queued}, To: store.InFlight, Mutate: func(p *store.Payment) error { p.Attempts++; return nil }})
			out := ws.Wallet.Pay(ctx, payRequest(p))
			if out.Kind != providers.Approved {
				t.Fatalf("pay: %+v", out)
			}
			p, err = r1.j.Transition(paid.ID, store.Transition{From: []store.State{store.InFlight}, To: store.Approved, Mutate: answerMut(out), Hooks: []string{"files"}})
			if err != nil {
				t.Fatal(err)
			}
			refunder := ws.Wallet.(providers.Refunder)
			rr := providers.RefundRequest{RefundID: "rf-1", Payment: payRequest(p), Approval: approval(p), Amount: 30, Full: true, CreatedAt: time.Now()}
			ref, err := refunder.NewRefundRef(rr, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r1.j.CreateRefund(store.Refund{ID: "rf-1", PaymentID: p.ID, Amount: 30, WalletRef: ref}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r1.j.TransitionRefund("rf-1", store.RefundTransition{From: []store.RefundState{store.RefundPending}, To: store.RefundInFlight,
				Mutate: func(r *store.Refund) error { r.Attempts++; return nil }}); err != nil {
				t.Fatal(err)
			}
			rr.Ref, rr.Attempt = ref, 1
			if w != "easywallet" { // the refund left before the crash (easywallet: it did not)
				refunder.Refund(ctx, rr)
			}
			r1.stop()

			// After the restart.
			r2 := newRigWith(t, rigOpts{wallets: []string{w}, path: path, hooks: []hooks.Hook{files}}, sim)
			if v := r2.wait(queued.ID); v.State != store.Approved {
				t.Errorf("queued at start ended %s", v.State)
			}
			res, err := r2.e.Scan(ctx, scanner.Scan{Lane: "L2", Code: sim.IssueCode()})
			if err != nil || res.Kind != "payment" || res.PaymentID != waiting.ID {
				t.Fatalf("a scan after restart = %+v, %v; want it to trigger the payment awaiting since before", res, err)
			}
			if v := r2.wait(waiting.ID); v.State != store.Approved {
				t.Errorf("awaiting at start ended %s", v.State)
			}
			r2.settle()
			v, _ := r2.e.Payment(ctx, paid.ID)
			if v.State != store.Refunded || len(v.Refunds) != 1 || v.Refunds[0].State != store.RefundSucceeded {
				t.Errorf("refund in flight at start: payment %s, refunds %+v", v.State, v.Refunds)
			}
			if _, err := os.Stat(filepath.Join(dir, "receipts", paid.ID+"-approved.json")); err != nil {
				t.Errorf("the receipt owed before the crash was not delivered: %v", err)
			}
			r2.checkLedger()
		})
	}
}

// TestCancelRacesDispatch cancels checkouts the moment they are queued:
// whichever wins, the answer is true and nothing is charged for a payment
// reported cancelled.
func TestCancelRacesDispatch(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	var wg sync.WaitGroup
	answers := make([]PaymentView, 20)
	for i := range answers {
		wg.Go(func() {
			v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L" + string(rune('A'+i)), OrderNumber: "C", Amount: 10, Barcode: r.sims[w].IssueCode()})
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Duration(i%5) * time.Millisecond) // land at different points of the dispatch
			if answers[i], err = r.e.Cancel(ctx, v.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	r.settle()
	states := map[store.State]int{}
	for _, a := range answers {
		v, _ := r.e.Payment(ctx, a.ID)
		states[v.State]++
		if a.Final && a.State != v.State {
			t.Errorf("Cancel answered %s, but the payment ended %s", a.State, v.State)
		}
		if !slices.Contains([]store.State{store.Cancelled, store.Reversed, store.Voided}, v.State) {
			t.Errorf("a cancelled checkout ended %s", v.State)
		}
	}
	t.Logf("outcomes: %v", states)
	r.checkLedger()
}
