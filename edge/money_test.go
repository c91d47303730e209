package edge

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// refusalCodes is, per wallet, a refusal a resent refund may meet although
// the first send went through: JKOPay's 812 "already being refunded", and
// each wallet's generic refusal.
var refusalCodes = map[string]string{"jkopay": "812", "ipass": "0001", "easywallet": "E0001", "linepay": "1155"}

// TestRefundRefusedAfterUnknownStaysUnknown: a refund whose first answer was
// lost may have gone through. A refusal of a resend proves nothing, so the
// refund must stay unknown (its amount held, the operator told in Health)
// instead of failing and freeing the amount for a second refund.
func TestRefundRefusedAfterUnknownStaysUnknown(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
			ctx := context.Background()
			v := r.wait(r.pay("L1", "RF-1", 100, w).ID)
			decline := wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]}
			r.sims[w].Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge}, decline, decline, decline)
			part := refundPart(r, w, 100, 30)
			qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			rf, err := r.e.Refund(qctx, v.ID, part)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			// Wait until a resend was refused.
			deadline := time.Now().Add(10 * time.Second)
			var got store.Refund
			for {
				if got, err = r.j.GetRefund(rf.ID); err != nil {
					t.Fatal(err)
				}
				if got.Answer.Code == refusalCodes[w] || got.State.Final() || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if got.State != store.RefundUnknown {
				t.Fatalf("a refund that may have gone through was refused on a resend and became %s (answer %+v), want unknown", got.State, got.Answer)
			}
			if !hasProblem(r.e.Health(), rf.ID) {
				t.Errorf("Health does not tell the operator to check refund %s: %v", rf.ID, r.e.Health().Problems)
			}
			// The amount stays held: the POS cannot refund it again.
			if _, err := r.e.Refund(ctx, v.ID, 100-part+1); ErrorCode(err) != ErrRefundRefused {
				t.Errorf("a refund of %d beside an unsettled refund of %d: %v, want %s", 100-part+1, part, err, ErrRefundRefused)
			}
			// Once the wallet answers properly the refund settles as what
			// truly happened: refunded once.
			r.settle()
			got, _ = r.j.GetRefund(rf.ID)
			if got.State != store.RefundSucceeded {
				t.Errorf("the refund ended %s, want succeeded (the wallet did refund it)", got.State)
			}
			if hasProblem(r.e.Health(), rf.ID) {
				t.Errorf("the problem of refund %s stays in Health after it settled", rf.ID)
			}
			var given int64
			for _, c := range r.sims[w].Ledger() {
				given += c.Refunded
			}
			v, _ = r.e.Payment(ctx, v.ID)
			if given != part || v.RefundedAmount != part {
				t.Errorf("wallet gave back %d, journal says %d; want %d both", given, v.RefundedAmount, part)
			}
			r.checkLedger()
		})
	}
}

// TestRefundRefusedOnFirstSendFails: a refusal of the very first send is a
// true refusal: the refund fails and its amount is free again.
func TestRefundRefusedOnFirstSendFails(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	v := r.wait(r.pay("L1", "RF-2", 100, w).ID)
	r.sims[w].Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]})
	rf, err := r.e.Refund(ctx, v.ID, 30)
	if err != nil || rf.State != store.RefundFailed {
		t.Fatalf("refund refused on its first send = %s, %v; want failed", rf.State, err)
	}
	if rf, err = r.e.Refund(ctx, v.ID, 100); err != nil || rf.State != store.RefundSucceeded {
		t.Fatalf("refund of the whole amount after a refused one = %s, %v; want succeeded", rf.State, err)
	}
	r.settle()
	r.checkLedger()
}

func hasProblem(h Health, word string) bool {
	for _, p := range h.Problems {
		if strings.Contains(p, word) {
			return true
		}
	}
	return false
}

// TestRetriedCheckoutBesideALateApproval: the POS retries a checkout (with
// a fresh code) while the first payment is unknown; the first resolves
// approved before the retry is journaled. The retry must answer that
// approval, never queue a second charge of the order.
func TestRetriedCheckoutBesideALateApproval(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}, noRun: true})
	ctx := context.Background()
	req := CreateRequest{TerminalID: "L1", OrderNumber: "O-1", Amount: 100, Barcode: r.sims[w].IssueCode()}
	p1, _, err := r.e.CreatePayment(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []store.State{store.InFlight, store.Unknown} {
		if _, err := r.j.Transition(p1.ID, store.Transition{From: []store.State{store.Queued, store.InFlight}, To: to}); err != nil {
			t.Fatal(err)
		}
	}
	// Hold the lane (as a scan being handled would) so that the retry has
	// made every check it makes before the journal write, then approve p1.
	l := r.e.lanes.get("L1")
	l.mu.Lock()
	req.Barcode = r.sims[w].IssueCode()
	type answer struct {
		v       PaymentView
		created bool
		err     error
	}
	ch := make(chan answer)
	go func() { v, c, err := r.e.CreatePayment(ctx, req); ch <- answer{v, c, err} }()
	time.Sleep(50 * time.Millisecond)
	if _, err := r.j.Transition(p1.ID, store.Transition{From: []store.State{store.Unknown}, To: store.Approved}); err != nil {
		t.Fatal(err)
	}
	l.mu.Unlock()
	got := <-ch
	if got.err != nil || got.created || got.v.ID != p1.ID || got.v.State != store.Approved {
		t.Fatalf("retried checkout = %s (%s), created %v, %v; want the approved %s, nothing created", got.v.ID, got.v.State, got.created, got.err, p1.ID)
	}
	// The same order with another amount is a conflict, not a new charge.
	req.Amount = 90
	if _, _, err := r.e.CreatePayment(ctx, req); ErrorCode(err) != ErrConflict {
		t.Fatalf("another amount for the approved order: %v, want %s", err, ErrConflict)
	}
	ps, err := r.j.FindOrder("L1", "O-1")
	if err != nil || len(ps) != 1 {
		t.Fatalf("order O-1 has %d payments (%v), want 1", len(ps), err)
	}
}

// spyWallet is a real wallet (on its simulator) that counts voids and can
// hold its first Pay: it answers that one "not sent" once released, as a
// refused connection would, without reaching the wallet.
type spyWallet struct {
	providers.Wallet
	entered, release chan struct{} // nil: Pay is not held

	mu    sync.Mutex
	pays  int
	voids int
}

// spyOn puts a spy in front of a wallet of a rig made with noRun (the
// engine reads its wallets while it runs).
func spyOn(r *rig, name string) *spyWallet {
	if r.started {
		r.t.Fatalf("spyOn a running engine: make the rig with noRun, then start it")
	}
	ws := r.e.cfg.Wallets[name]
	s := &spyWallet{Wallet: ws.Wallet}
	ws.Wallet = s
	r.e.cfg.Wallets[name] = ws
	return s
}

func (s *spyWallet) Pay(ctx context.Context, req providers.PayRequest) providers.Outcome {
	s.mu.Lock()
	s.pays++
	first := s.pays == 1
	s.mu.Unlock()
	if first && s.entered != nil {
		close(s.entered)
		<-s.release
		return providers.Outcome{Kind: providers.Unknown, NotSent: true, Message: "connection refused"}
	}
	return s.Wallet.Pay(ctx, req)
}

func (s *spyWallet) Void(ctx context.Context, req providers.PayRequest, approval providers.Outcome) providers.Outcome {
	s.mu.Lock()
	s.voids++
	s.mu.Unlock()
	return s.Wallet.(providers.Voider).Void(ctx, req, approval)
}

func (s *spyWallet) NewRefundRef(req providers.RefundRequest, now time.Time) (providers.Ref, error) {
	return s.Wallet.(providers.Refunder).NewRefundRef(req, now)
}

func (s *spyWallet) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	return s.Wallet.(providers.Refunder).Refund(ctx, req)
}

func (s *spyWallet) PartialRefunds() bool { return s.Wallet.(providers.Refunder).PartialRefunds() }

func (s *spyWallet) count() (pays, voids int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pays, s.voids
}

// TestCancelWhileSendingThenNotSent: the POS cancels while the first send
// is out; that send provably never left. The payment is cancelled, never
// sent again (which would charge the customer, then give it back).
func TestCancelWhileSendingThenNotSent(t *testing.T) {
	w := "jkopay"
	r := newRig(t, rigOpts{wallets: []string{w}, noRun: true})
	spy := spyOn(r, w)
	spy.entered, spy.release = make(chan struct{}), make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.start(ctx)
	v := r.pay("L1", "C-1", 100, w)
	<-spy.entered
	cv, err := r.e.Cancel(context.Background(), v.ID)
	if err != nil || cv.State != store.InFlight {
		t.Fatalf("Cancel while the send is out = %s, %v; want in_flight with the wish journaled", cv.State, err)
	}
	close(spy.release)
	v = r.wait(v.ID)
	if v.State != store.Cancelled {
		t.Errorf("payment ended %s (history %v), want cancelled: nothing was ever sent", v.State, historyStates(v))
	}
	if pays, _ := spy.count(); pays != 1 {
		t.Errorf("the payment was sent %d times after the POS cancelled, want only the one that never left", pays-1)
	}
	if l := r.sims[w].Ledger(); len(l) != 0 {
		t.Errorf("the wallet charged %+v after the POS cancelled", l)
	}
	r.settle()
	r.checkLedger()
}

// TestQueuedWithCancelWishIsNeverSent: a payment found queued with the
// POS's cancel wish journaled (e.g. by an earlier version) is cancelled,
// not sent.
func TestQueuedWithCancelWishIsNeverSent(t *testing.T) {
	w := "jkopay"
	r := newRig(t, rigOpts{wallets: []string{w}, noRun: true})
	ctx := context.Background()
	v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "C-2", Amount: 100, Barcode: r.sims[w].IssueCode()})
	if err != nil || v.State != store.Queued {
		t.Fatalf("checkout = %s, %v", v.State, err)
	}
	if _, err := r.j.Transition(v.ID, store.Transition{From: []store.State{store.Queued}, To: store.Queued, Mutate: func(p *store.Payment) error {
		p.ReverseReason = "cancelled by the POS"
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.start(rctx)
	v = r.wait(v.ID)
	if v.State != store.Cancelled {
		t.Errorf("payment ended %s (history %v), want cancelled", v.State, historyStates(v))
	}
	if l := r.sims[w].Ledger(); len(l) != 0 {
		t.Errorf("the wallet charged %+v for a payment the POS had cancelled", l)
	}
}

// TestCancelAfterPartialRefundRefundsTheRest: giving back a partly refunded
// payment refunds what remains; a void (all of it, or a refusal) is never
// tried, even where the wallet can void.
func TestCancelAfterPartialRefundRefundsTheRest(t *testing.T) {
	for _, w := range []string{"jkopay", "ipass"} { // the wallets that can void
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, noRun: true})
			spy := spyOn(r, w)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r.start(ctx)
			v := r.wait(r.pay("L1", "CR-1", 100, w).ID)
			if rf, err := r.e.Refund(ctx, v.ID, 30); err != nil || rf.State != store.RefundSucceeded {
				t.Fatalf("refund of 30 = %s, %v", rf.State, err)
			}
			if _, err := r.e.Cancel(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
			v = r.wait(v.ID)
			if v.State != store.Reversed {
				t.Fatalf("payment ended %s (history %v), want reversed", v.State, historyStates(v))
			}
			if _, voids := spy.count(); voids != 0 {
				t.Errorf("a void was tried %d times on a partly refunded payment; want a refund of what remains", voids)
			}
			for _, c := range r.sims[w].Ledger() {
				if c.Voided || c.Refunded != 100 {
					t.Errorf("wallet: voided %v, refunded %d; want 30 + 70 refunded", c.Voided, c.Refunded)
				}
			}
			r.settle()
			r.checkLedger()
		})
	}
}

// TestCancelBesideARunningRefund: while a refund of a payment is unsettled
// the POS cannot give the payment back (the two could give back more than
// was paid); once it settled, it can, and what remains is given back.
func TestCancelBesideARunningRefund(t *testing.T) {
	w := "jkopay"
	r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
	ctx := context.Background()
	v := r.wait(r.pay("L1", "CR-2", 100, w).ID)
	decline := wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]}
	r.sims[w].Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge}, decline, decline)
	qctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	rf, err := r.e.Refund(qctx, v.ID, 30)
	cancel()
	if err != nil || rf.State.Final() {
		t.Fatalf("refund = %s, %v; want it still running", rf.State, err)
	}
	_, err = r.e.Cancel(ctx, v.ID)
	if ErrorCode(err) != ErrConflict || !strings.Contains(err.Error(), rf.ID) {
		t.Fatalf("Cancel beside running refund %s: %v; want %s naming it", rf.ID, err, ErrConflict)
	}
	if p, _ := r.j.Get(v.ID); p.State != store.Approved {
		t.Fatalf("payment is %s after a refused cancel, want approved", p.State)
	}
	r.settle()
	if _, err := r.e.Cancel(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if v = r.wait(v.ID); v.State != store.Reversed {
		t.Fatalf("payment ended %s, want reversed", v.State)
	}
	r.settle()
	r.checkLedger()
}

// TestScanWithTwoCheckoutsWaitingIsAmbiguous: a lane serves one customer at
// a time. With an abandoned checkout still waiting beside the new one, a
// scan must not guess (the oldest would charge the next customer the old
// order's amount): it is answered "ambiguous", nothing is charged or held,
// and the scan event tells the POS which checkouts wait. Once the stale
// one is cancelled, the next scan pays the one left.
func TestScanWithTwoCheckoutsWaitingIsAmbiguous(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	stale, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "OLD-1", Amount: 500})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // a later creation time
	fresh, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "NEW-1", Amount: 80})
	if err != nil {
		t.Fatal(err)
	}
	code := r.sims[w].IssueCode()
	res, err := r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: code})
	if err != nil || res.Kind != "ambiguous" || res.PaymentID != "" {
		t.Fatalf("scan beside two waiting checkouts = %+v, %v; want kind ambiguous, no payment", res, err)
	}
	for _, id := range []string{stale.ID, fresh.ID} {
		if p, _ := r.j.Get(id); p.State != store.AwaitingScan || p.FullCode != "" {
			t.Errorf("checkout %s is %s after an ambiguous scan, want still awaiting_scan without a code", id, p.State)
		}
	}
	var ev *ScanEvent
	for deadline := time.Now().Add(5 * time.Second); ev == nil && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, e := range r.eventsOf("scan") { // the rig collects events in the background
			if se := e.Data.(ScanEvent); se.Kind == "ambiguous" {
				ev = &se
			}
		}
	}
	if ev == nil || !strings.Contains(ev.Message, stale.ID) || !strings.Contains(ev.Message, fresh.ID) || !strings.Contains(ev.Message, "cancel") {
		t.Fatalf("ambiguous scan event = %+v; want a message naming both checkouts and asking to cancel the stale one", ev)
	}
	// Nothing was held for a later checkout either.
	third, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "THIRD-1", Amount: 10})
	if err != nil || third.State != store.AwaitingScan {
		t.Fatalf("checkout after an ambiguous scan = %s, %v; want awaiting_scan (the code must not be held)", third.State, err)
	}
	for _, id := range []string{stale.ID, third.ID} {
		if _, err := r.e.Cancel(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	res, err = r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: r.sims[w].IssueCode()})
	if err != nil || res.Kind != "payment" || res.PaymentID != fresh.ID {
		t.Fatalf("scan after the stale checkout was cancelled = %+v, %v; want it to pay %s", res, err, fresh.ID)
	}
	if v := r.wait(fresh.ID); v.State != store.Approved || v.Amount != 80 {
		t.Fatalf("fresh checkout ended %s for %d", v.State, v.Amount)
	}
	r.mu.Lock()
	r.codes = append(r.codes, code)
	r.mu.Unlock()
	r.settle()
	r.checkLedger()
}
