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

// many is more faults than a test ever lets the engine use up.
func many(f wallettest.Fault) []wallettest.Fault {
	out := make([]wallettest.Fault, 1000)
	for i := range out {
		out[i] = f
	}
	return out
}

// stuckUnknown pays on wallet w with the answer lost (charged says whether
// the wallet took the money) and every settling request failing, so the
// payment stays unknown, as the cases no rule can settle do.
func stuckUnknown(t *testing.T, r *rig, w, order string, charged bool) PaymentView {
	t.Helper()
	drop := wallettest.DropBeforeCharge
	if charged {
		drop = wallettest.DropAfterCharge
	}
	r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: drop})
	r.sims[w].Inject(resolveCall[w], many(wallettest.Fault{Kind: wallettest.ServerError})...)
	v := r.pay("L1", order, 100, w)
	v = r.waitState(v.ID, store.Unknown)
	waitAttempts(t, r, v.ID, 3) // the pay and two settling requests
	return v
}

func waitAttempts(t *testing.T, r *rig, id string, n int) store.Payment {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := r.j.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Attempts >= n || time.Now().After(deadline) {
			if p.Attempts < n {
				t.Fatalf("payment %s made %d attempts in 10s, want %d", id, p.Attempts, n)
			}
			return p
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func chargeOf(t *testing.T, r *rig, w string, p store.Payment) wallettest.Charge {
	t.Helper()
	for _, c := range r.sims[w].Ledger() {
		if c.Key == p.WalletRef[orderRef[w]] {
			return c
		}
	}
	t.Fatalf("the %s simulator holds no charge for payment %s", w, p.ID)
	return wallettest.Charge{}
}

func lastReason(v PaymentView) string { return v.History[len(v.History)-1].Reason }

// TestSettleUnknownPayment: an operator records what the wallet's portal
// shows for a payment no rule settles; the journal then agrees with the
// wallet's books, the receipt is queued and delivered, an event published,
// the full code erased.
func TestSettleUnknownPayment(t *testing.T) {
	for _, tc := range []struct {
		outcome string
		charged bool
		want    store.State
	}{
		{SettleApproved, true, store.Approved},
		{SettleDeclined, false, store.Declined},
	} {
		for _, w := range simNames {
			t.Run(tc.outcome+"/"+w, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				files, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: dir}, "")
				if err != nil {
					t.Fatal(err)
				}
				r := newRig(t, rigOpts{wallets: []string{w}, hooks: []hooks.Hook{files}})
				ctx := context.Background()
				v := stuckUnknown(t, r, w, "S-1", tc.charged)
				req := SettleRequest{Outcome: tc.outcome, Note: "  checked the portal, order S-1 — J. Chen  "}
				if tc.charged {
					p, _ := r.j.Get(v.ID)
					req.TransactionID = chargeOf(t, r, w, p).TransactionID
				}
				got, err := r.e.Settle(ctx, v.ID, req)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != tc.want || !got.Final {
					t.Fatalf("settled %s, want %s (final)", got.State, tc.want)
				}
				if lastReason(got) != "settled by an operator: checked the portal, order S-1 — J. Chen" {
					t.Errorf("history reason %q", lastReason(got))
				}
				if got.Answer.TransactionID != req.TransactionID {
					t.Errorf("answer %+v, want transaction %q", got.Answer, req.TransactionID)
				}
				if p, _ := r.j.Get(v.ID); p.FullCode != "" {
					t.Error("the full code outlived the settlement")
				}
				if hasProblem(r.e.Health(), v.ID) {
					t.Errorf("Health still reports %s: %v", v.ID, r.e.Health().Problems)
				}
				r.settle() // the receipt is delivered, nothing is left to do
				if _, err := os.Stat(filepath.Join(dir, v.ID+"-"+string(tc.want)+".json")); err != nil {
					t.Errorf("no %s receipt: %v", tc.want, err)
				}
				evs := r.eventsOf("payment")
				if !slices.ContainsFunc(evs, func(ev Event) bool {
					pv, ok := ev.Data.(PaymentView)
					return ok && pv.ID == v.ID && pv.State == tc.want
				}) {
					t.Errorf("no payment event announces the settlement")
				}
				if !strings.Contains(r.logs.String(), "an operator settled an unknown payment") {
					t.Error("the settlement is not in the log")
				}
				r.checkLedger()
			})
		}
	}
}

// TestSettleStuckIPassRaisesAndClearsTheProblem is the case that made
// Settle necessary: iPass finds nothing and refuses the void, for ever.
func TestSettleStuckIPassRaisesAndClearsTheProblem(t *testing.T) {
	const w = "ipass"
	r := newRig(t, rigOpts{wallets: []string{w}})
	r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	r.sims[w].Inject(wallettest.CallVoid, many(wallettest.Fault{Kind: wallettest.Decline, Code: "0001"})...)
	v := r.pay("L1", "IP-1", 100, w)
	deadline := time.Now().Add(10 * time.Second)
	for !hasProblem(r.e.Health(), v.ID) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h := r.e.Health()
	if !hasProblem(h, "merchant portal") || !hasProblem(h, "scanpay settle "+v.ID) {
		t.Fatalf("Health does not ask the operator to check the portal and settle %s: %v", v.ID, h.Problems)
	}
	got, err := r.e.Settle(context.Background(), v.ID, SettleRequest{Outcome: SettleDeclined, Note: "iPass portal: order IP-1 not found — A. Lin"})
	if err != nil || got.State != store.Declined {
		t.Fatalf("Settle = %s, %v", got.State, err)
	}
	if h := r.e.Health(); hasProblem(h, v.ID) {
		t.Errorf("the problem stays after the settlement: %v", h.Problems)
	}
	r.settle()
	r.checkLedger()
}

// TestSettleApprovedAfterCancelIsGivenBack: the POS had cancelled, so an
// approval recorded by the operator is given back, as a late approval is.
func TestSettleApprovedAfterCancelIsGivenBack(t *testing.T) {
	// JKOPay settles by Cancel, which is also its void: its faults would
	// hold the reversal too, so the two wallets whose settling request
	// differs from their give-back are used.
	for _, w := range []string{"ipass", "easywallet"} {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}})
			ctx := context.Background()
			v := stuckUnknown(t, r, w, "RV-1", true)
			if c, err := r.e.Cancel(ctx, v.ID); err != nil || c.State != store.Unknown {
				t.Fatalf("Cancel = %s, %v; want unknown (the wish journaled)", c.State, err)
			}
			p, _ := r.j.Get(v.ID)
			got, err := r.e.Settle(ctx, v.ID, SettleRequest{Outcome: SettleApproved, TransactionID: chargeOf(t, r, w, p).TransactionID, Note: "portal shows it paid — J. Chen"})
			if err != nil {
				t.Fatal(err)
			}
			if got.State != store.Reversing && got.State != store.Reversed {
				t.Fatalf("settled approved after a cancel: %s, want reversing", got.State)
			}
			v = r.waitState(v.ID, store.Reversed)
			hs := historyStates(v)
			if slices.Contains(hs, store.Approved) || !slices.Contains(hs, store.Reversing) {
				t.Errorf("history %v: want reversing, never approved", hs)
			}
			if c := chargeOf(t, r, w, p); live(c) {
				t.Errorf("the wallet still holds the charge: %+v", c)
			}
			r.settle()
			r.checkLedger()
		})
	}
}

// stuckRefund refunds 30 (all, for a full-only wallet) of an approved payment with the first answer lost
// (given says whether the wallet gave the money back) and every resend
// refused, as JKOPay's 812 does.
func stuckRefund(t *testing.T, r *rig, w string, given bool) (PaymentView, RefundView) {
	t.Helper()
	ctx := context.Background()
	v := r.wait(r.pay("L1", "RS-1", 100, w).ID)
	drop := wallettest.DropBeforeCharge
	if given {
		drop = wallettest.DropAfterCharge
	}
	r.sims[w].Inject(wallettest.CallRefund, wallettest.Fault{Kind: drop})
	r.sims[w].Inject(wallettest.CallRefund, many(wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]})...)
	qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	rf, err := r.e.Refund(qctx, v.ID, refundPart(r, w, 100, 30))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !hasProblem(r.e.Health(), rf.ID) {
		if time.Now().After(deadline) {
			t.Fatalf("refund %s never reported as stuck: %v", rf.ID, r.e.Health().Problems)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return v, rf
}

func TestSettleUnknownRefund(t *testing.T) {
	for _, w := range simNames {
		t.Run("succeeded/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			ctx := context.Background()
			v, rf := stuckRefund(t, r, w, true)
			if !hasProblem(r.e.Health(), "scanpay settle --refund "+rf.ID) {
				t.Errorf("Health does not say how to settle the refund: %v", r.e.Health().Problems)
			}
			got, err := r.e.SettleRefund(ctx, rf.ID, SettleRequest{Outcome: SettleSucceeded, TransactionID: "RF-TX-1", Note: "portal shows the refund — J. Chen"})
			if err != nil || got.State != store.RefundSucceeded || got.Answer.TransactionID != "RF-TX-1" {
				t.Fatalf("SettleRefund = %+v, %v", got, err)
			}
			if hasProblem(r.e.Health(), rf.ID) {
				t.Errorf("the refund's problem stays: %v", r.e.Health().Problems)
			}
			stored, _ := r.j.GetRefund(rf.ID)
			if h := stored.History[len(stored.History)-1]; h.Reason != "settled by an operator: portal shows the refund — J. Chen" {
				t.Errorf("refund history reason %q", h.Reason)
			}
			v, _ = r.e.Payment(ctx, v.ID)
			part, want := refundPart(r, w, 100, 30), store.Approved
			if part == 100 {
				want = store.Refunded
			}
			if v.RefundedAmount != part || v.State != want {
				t.Errorf("payment after the settled refund: %s, refunded %d; want %s, %d", v.State, v.RefundedAmount, want, part)
			}
			// The rest can still be refunded, and no more.
			if _, err := r.e.Refund(ctx, v.ID, 100-part+1); ErrorCode(err) != ErrRefundRefused {
				t.Errorf("refund of %d beside %d refunded: %v, want %s", 100-part+1, part, err, ErrRefundRefused)
			}
			r.settle()
			r.checkLedger()
		})
		t.Run("failed/"+w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			ctx := context.Background()
			v, rf := stuckRefund(t, r, w, false)
			got, err := r.e.SettleRefund(ctx, rf.ID, SettleRequest{Outcome: SettleFailed, Note: "portal shows no refund — J. Chen"})
			if err != nil || got.State != store.RefundFailed {
				t.Fatalf("SettleRefund = %+v, %v", got, err)
			}
			v, _ = r.e.Payment(ctx, v.ID)
			if v.RefundedAmount != 0 || v.State != store.Approved {
				t.Errorf("payment after the failed refund: %s, refunded %d", v.State, v.RefundedAmount)
			}
			// The 30 is free again: a refund of everything is accepted
			// (the simulator still refuses it: that first refusal fails it).
			if rf2, err := r.e.Refund(ctx, v.ID, 100); err != nil || rf2.Amount != 100 {
				t.Errorf("refund of the whole amount after the failed one: %+v, %v", rf2, err)
			}
			r.settle()
			r.checkLedger()
		})
	}
}

// TestSettleRefusals: only unknown may be settled, and only with a
// complete, clean request; a refusal changes nothing.
func TestSettleRefusals(t *testing.T) {
	const w = "jkopay"
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	approved := r.wait(r.pay("L1", "N-1", 100, w).ID)
	waiting, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L2", OrderNumber: "N-2", Amount: 10})
	if err != nil {
		t.Fatal(err)
	}
	rf, err := r.e.Refund(ctx, approved.ID, 10)
	if err != nil || rf.State != store.RefundSucceeded {
		t.Fatalf("Refund = %+v, %v", rf, err)
	}
	good := SettleRequest{Outcome: SettleDeclined, Note: "checked"}
	for _, tc := range []struct {
		name, id, code, says string
		req                  SettleRequest
		refund               bool
	}{
		{"approved payment", approved.ID, ErrConflict, "is approved", good, false},
		{"awaiting a scan", waiting.ID, ErrConflict, "is awaiting_scan", good, false},
		{"no such payment", "nope", ErrNotFound, "", good, false},
		{"succeeded refund", rf.ID, ErrConflict, "is succeeded", SettleRequest{Outcome: SettleFailed, Note: "x"}, true},
		{"no such refund", "nope", ErrNotFound, "refund", SettleRequest{Outcome: SettleFailed, Note: "x"}, true},
		{"bad outcome", approved.ID, ErrInvalidRequest, `"voided"`, SettleRequest{Outcome: "voided", Note: "x"}, false},
		{"payment outcome for a refund", rf.ID, ErrInvalidRequest, `"succeeded"`, SettleRequest{Outcome: SettleDeclined, Note: "x"}, true},
		{"no note", approved.ID, ErrInvalidRequest, "note", SettleRequest{Outcome: SettleDeclined, Note: "  "}, false},
		{"long note", approved.ID, ErrInvalidRequest, "at most", SettleRequest{Outcome: SettleDeclined, Note: strings.Repeat("x", 501)}, false},
		{"control characters", approved.ID, ErrInvalidRequest, "control", SettleRequest{Outcome: SettleDeclined, Note: "a\nb"}, false},
		{"approved without transaction", approved.ID, ErrInvalidRequest, "transaction_id", SettleRequest{Outcome: SettleApproved, Note: "x"}, false},
		{"declined with transaction", approved.ID, ErrInvalidRequest, "transaction_id", SettleRequest{Outcome: SettleDeclined, TransactionID: "T1", Note: "x"}, false},
		{"transaction with spaces", approved.ID, ErrInvalidRequest, "transaction_id", SettleRequest{Outcome: SettleApproved, TransactionID: "T 1", Note: "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.refund {
				_, err = r.e.SettleRefund(ctx, tc.id, tc.req)
			} else {
				_, err = r.e.Settle(ctx, tc.id, tc.req)
			}
			if ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want %s naming %q", err, tc.code, tc.says)
			}
		})
	}
	if v, _ := r.e.Payment(ctx, approved.ID); v.State != store.Approved || len(v.History) != len(approved.History) {
		t.Errorf("a refused settlement changed the payment: %s %v", v.State, historyStates(v))
	}
	if _, err := r.e.Cancel(ctx, waiting.ID); err != nil {
		t.Fatal(err)
	}
	r.settle()
	r.checkLedger()
}

// TestSettleRefusesTheFullCodeInTheNote: the code is a credential and the
// history is shown to anyone.
func TestSettleRefusesTheFullCodeInTheNote(t *testing.T) {
	const w = "easywallet"
	r := newRig(t, rigOpts{wallets: []string{w}})
	v := stuckUnknown(t, r, w, "FC-1", false)
	p, _ := r.j.Get(v.ID)
	_, err := r.e.Settle(context.Background(), v.ID, SettleRequest{Outcome: SettleDeclined, Note: "code " + p.FullCode + " not found"})
	if ErrorCode(err) != ErrInvalidRequest || strings.Contains(err.Error(), p.FullCode) {
		t.Fatalf("err = %v, want invalid_request without the code", err)
	}
	if _, err := r.e.Settle(context.Background(), v.ID, SettleRequest{Outcome: SettleDeclined, Note: "not found"}); err != nil {
		t.Fatal(err)
	}
	r.settle()
	r.checkLedger()
}

// TestSettleRacesAResolve: while a settling request is out (held by the
// simulator), an operator's settle waits for it, because the wallet's answer
// could contradict it (JKOPay's Cancel voids what the operator would call
// paid); the wallet's answer then stands and the settle is refused. With nothing out,
// two supervisors settling at once: the journal's compare-and-set lets
// exactly one win.
func TestSettleRacesAResolve(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}})
			ctx := context.Background()
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			r.sims[w].Inject(resolveCall[w], wallettest.Fault{Kind: wallettest.Delay, Delay: 400 * time.Millisecond})
			v := r.pay("L1", "RC-1", 100, w)
			p := waitAttempts(t, r, v.ID, 2) // the settling request is journaled and out
			if p.State != store.Unknown {
				t.Fatalf("payment is %s while its settling request is out, want unknown", p.State)
			}
			charge := chargeOf(t, r, w, p)
			req := SettleRequest{Outcome: SettleApproved, TransactionID: charge.TransactionID, Note: "portal shows it paid"}
			// The settle waits for the held request, whose answer (the
			// wallet's own rule) settles the payment first and stands.
			if _, err := r.e.Settle(ctx, v.ID, req); ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "not unknown") {
				t.Errorf("settle while the wallet's request is out: %v, want a conflict once the wallet's answer settled it", err)
			}
			v, err := r.e.Payment(ctx, v.ID)
			if err != nil || !v.Final || strings.HasPrefix(lastReason(v), settledBy) {
				t.Fatalf("after the race: %s (%q), %v; want final by the wallet's answer, not the operator's", v.State, lastReason(v), err)
			}
			if hasProblem(r.e.Health(), "settled by an operator") {
				t.Errorf("Health reports a contradiction though none can happen: %v", r.e.Health().Problems)
			}
			r.checkLedger()

			// Nothing out between attempts: two supervisors at once, one wins.
			v2 := stuckUnknown(t, r, w, "RC-2", true)
			p2, _ := r.j.Get(v2.ID)
			req2 := SettleRequest{Outcome: SettleApproved, TransactionID: chargeOf(t, r, w, p2).TransactionID, Note: "portal shows it paid"}
			results := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := r.e.Settle(ctx, v2.ID, req2)
					results <- err
				}()
			}
			var won int
			for range 2 {
				switch err := <-results; {
				case err == nil:
					won++
				case ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "approved"):
					t.Errorf("the losing settlement: %v, want a conflict naming approved", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d settlements won, want exactly 1", won)
			}
			r.settle()
			r.checkLedger()
		})
	}
}

// TestSettleRefundWaitsForAResendThatIsOut: the first refund send is lost
// before the wallet acts, and its resend is held by the wallet. An operator
// who looks at the portal meanwhile sees nothing and settles it as failed;
// the settle must wait for the resend, whose success then stands, or the
// journal would free an amount the wallet already gave back.
func TestSettleRefundWaitsForAResendThatIsOut(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 2 * time.Second})
			ctx := context.Background()
			v := r.wait(r.pay("L1", "RW-1", 100, w).ID)
			r.sims[w].Inject(wallettest.CallRefund,
				wallettest.Fault{Kind: wallettest.DropBeforeCharge},
				wallettest.Fault{Kind: wallettest.Delay, Delay: 600 * time.Millisecond})
			qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond) // do not wait for the outcome
			rf, err := r.e.Refund(qctx, v.ID, refundPart(r, w, 100, 30))
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for { // the resend is journaled, so it is out (or about to be)
				got, err := r.j.GetRefund(rf.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Attempts >= 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("refund %s made %d attempts in 10s, want 2", rf.ID, got.Attempts)
				}
				time.Sleep(2 * time.Millisecond)
			}
			_, err = r.e.SettleRefund(ctx, rf.ID, SettleRequest{Outcome: SettleFailed, Note: "portal shows no refund yet"})
			if ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), "not unknown") {
				t.Errorf("settle while the resend is out: %v, want a conflict once the wallet's answer settled it", err)
			}
			got, _ := r.j.GetRefund(rf.ID)
			if got.State != store.RefundSucceeded {
				t.Errorf("refund is %s after the resend, want succeeded (the wallet gave the money back)", got.State)
			}
			r.settle()
			r.checkLedger()
		})
	}
}
