package edge

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestSettleStuckReversalAsReversed: the POS cancels an approved payment
// and the wallet refuses both its void and its refund, for ever. The
// payment stays reversing with a problem naming the command to run; the
// operator gives the money back by hand and records it; the payment is
// reversed, final, with its receipt and event, and its history (the
// operator's note) is what explains the charge the wallet still shows.
func TestSettleStuckReversalAsReversed(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: dir}, "")
			if err != nil {
				t.Fatal(err)
			}
			r := newRig(t, rigOpts{wallets: []string{w}, hooks: []hooks.Hook{files}})
			ctx := context.Background()
			v := r.wait(r.pay("L1", "RB-1", 100, w).ID)
			other := r.wait(r.pay("L2", "RB-2", 50, w).ID)
			if v.State != store.Approved || other.State != store.Approved {
				t.Fatalf("payments %s, %s; want approved", v.State, other.State)
			}
			for _, call := range []string{wallettest.CallCancel, wallettest.CallVoid, wallettest.CallRefund} {
				r.sims[w].Inject(call, many(wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]})...)
			}
			if c, err := r.e.Cancel(ctx, v.ID); err != nil || (c.State != store.Reversing) {
				t.Fatalf("Cancel = %s, %v; want reversing", c.State, err)
			}
			command := "scanpay settle " + v.ID + " --as reversed --note"
			deadline := time.Now().Add(10 * time.Second)
			for !hasProblem(r.e.Health(), command) {
				if time.Now().After(deadline) {
					t.Fatalf("no problem gives %q: %v", command, r.e.Health().Problems)
				}
				time.Sleep(5 * time.Millisecond)
			}
			if got, _ := r.e.Payment(ctx, v.ID); got.State != store.Reversing {
				t.Fatalf("payment is %s, want still reversing", got.State)
			}

			// Only "reversed" settles a reversing payment, and only a
			// reversing one.
			for _, out := range []string{SettleApproved, SettleDeclined} {
				req := SettleRequest{Outcome: out, TransactionID: "TX-1", Note: "x"}
				if out == SettleDeclined {
					req.TransactionID = ""
				}
				if _, err := r.e.Settle(ctx, v.ID, req); ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "reversing") || !strings.Contains(err.Error(), "--as reversed") {
					t.Errorf("Settle %s of a reversing payment: %v, want a conflict naming reversing and the way out", out, err)
				}
			}
			if _, err := r.e.Settle(ctx, other.ID, SettleRequest{Outcome: SettleReversed, Note: "x"}); ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "approved, not reversing") {
				t.Errorf("Settle reversed of an approved payment: %v, want a conflict naming approved", err)
			}
			if _, err := r.e.Settle(ctx, v.ID, SettleRequest{Outcome: SettleReversed, Note: "  "}); ErrorCode(err) != ErrInvalidRequest {
				t.Errorf("Settle reversed without a note: %v, want %s", err, ErrInvalidRequest)
			}
			if got, _ := r.e.Payment(ctx, v.ID); got.State != store.Reversing {
				t.Fatalf("a refused settlement moved the payment to %s", got.State)
			}

			const note = "refunded RB-1 by hand in the portal — J. Chen"
			got, err := r.e.Settle(ctx, v.ID, SettleRequest{Outcome: SettleReversed, TransactionID: "RF-HAND-1", Note: note})
			if err != nil {
				t.Fatal(err)
			}
			if got.State != store.Reversed || !got.Final {
				t.Fatalf("settled %s, want reversed (final)", got.State)
			}
			want := settledBy + note + " (the wallet's refund RF-HAND-1)"
			if lastReason(got) != want {
				t.Errorf("history reason %q, want %q", lastReason(got), want)
			}
			if hasProblem(r.e.Health(), v.ID) {
				t.Errorf("Health still reports %s: %v", v.ID, r.e.Health().Problems)
			}
			if _, err := r.e.Settle(ctx, v.ID, SettleRequest{Outcome: SettleReversed, Note: "again"}); ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "reversed, not reversing") {
				t.Errorf("second settlement: %v, want a conflict naming reversed", err)
			}
			r.settle()
			if _, err := os.Stat(filepath.Join(dir, v.ID+"-"+string(store.Reversed)+".json")); err != nil {
				t.Errorf("no reversed receipt: %v", err)
			}
			if !slices.ContainsFunc(r.eventsOf("payment"), func(ev Event) bool {
				pv, ok := ev.Data.(PaymentView)
				return ok && pv.ID == v.ID && pv.State == store.Reversed
			}) {
				t.Error("no payment event announces the settlement")
			}
			if !strings.Contains(r.logs.String(), "an operator settled a payment being given back as reversed") {
				t.Error("the settlement is not in the log")
			}

			// The wallet still shows the charge: scanpay never gave it
			// back. Only the operator's settlement explains it; with that
			// charge counted as given back by hand, the books agree.
			p, err := r.j.Get(v.ID)
			if err != nil {
				t.Fatal(err)
			}
			c := chargeOf(t, r, w, p)
			if !live(c) {
				t.Fatalf("the wallet gave back the charge, though every void and refund was refused: %+v", c)
			}
			if h := p.History[len(p.History)-1]; h.State != store.Reversed || !strings.HasPrefix(h.Reason, settledBy+note) {
				t.Fatalf("the reversal is not explained by the operator's note: %+v", h)
			}
			ledgers := r.ledgers()
			for i, lc := range ledgers[w] {
				if lc.Key == c.Key {
					ledgers[w][i].Refunded = lc.Amount // given back by hand, outside scanpay
				}
			}
			all, err := r.j.Recent(100000)
			if err != nil {
				t.Fatal(err)
			}
			ledgerTruth(t, all, ledgers)
			r.mu.Lock()
			codes := slices.Clone(r.codes)
			r.mu.Unlock()
			r.noFullCodes(codes...)
		})
	}
}
