package edge

import (
	"context"
	"errors"
	"slices"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/store"
)

// maxOrderNumber bounds the POS's order number: it is carried into wallet
// identifiers, the shortest of which leave room for about this much.
const maxOrderNumber = 40

// CreatePayment journals the POS's checkout. Without a barcode it waits for
// a scan on its lane (or takes a code held there by scan-then-amount); with
// one it is queued at once. It is idempotent on (terminal_id, order_number)
// while the earlier payment is unfinished or approved: the same payment is
// returned with created false. A payment awaiting a scan on a lane none of
// whose scanners is connected is still taken (the POS may send the code)
// and carries a warning.
func (e *Engine) CreatePayment(ctx context.Context, req CreateRequest) (PaymentView, bool, error) {
	v, created, err := e.createPayment(ctx, req)
	if err == nil && v.State == store.AwaitingScan {
		v.Warnings = e.laneHealth.warnings(v.TerminalID)
	}
	return v, created, err
}

func (e *Engine) createPayment(ctx context.Context, req CreateRequest) (PaymentView, bool, error) {
	if err := e.checkCreate(req); err != nil {
		return PaymentView{}, false, err
	}
	if err := e.refuseWhileSuspect(); err != nil {
		return PaymentView{}, false, err
	}
	now, wall := e.now(), e.wall()
	var code string
	var cls providers.Classification
	if req.Barcode != "" {
		cls = e.cfg.Classifier.Classify(req.Barcode)
		if err := e.checkPaymentCode(cls); err != nil {
			return PaymentView{}, false, err
		}
		code = req.Barcode
	}
	// An approved payment for the same order is returned, never charged
	// again (a POS that lost our answer and retries must not pay twice):
	// the journal decides that inside Create's transaction, since the
	// order's earlier payment may be approved at any moment until then.
	l := e.lanes.get(req.TerminalID)
	l.mu.Lock()
	defer l.mu.Unlock()
	var held *heldCode
	if code == "" {
		if held = l.takeHeld(now); held != nil {
			code, cls = held.code, held.class
			if _, ok := e.wallet(cls.Wallet); !ok {
				code, held = "", nil
			}
		}
	}
	items := slices.Clone(req.Items)
	p := store.Payment{
		ID: uuid.NewString(), TerminalID: req.TerminalID, OrderNumber: req.OrderNumber,
		Amount: req.Amount, Undiscount: req.Undiscountable, Description: req.Description, Items: items,
		State: store.AwaitingScan, CreatedAt: wall, UpdatedAt: wall, ScanBy: now.Add(e.cfg.ScanTimeout),
	}
	if code != "" {
		w, _ := e.wallet(cls.Wallet)
		r := payRequest(p)
		r.Code = code
		ref, err := w.Wallet.NewRef(r, wall)
		if err != nil {
			if held != nil {
				l.held = held
			}
			return PaymentView{}, false, Errorf(ErrInvalidRequest, "wallet %s cannot take this checkout: %v", cls.Wallet, err)
		}
		p.State = store.Queued
		withCode(&p, code, cls.Wallet, ref, now.Add(w.Limits.CodeTTL))
	}
	stored, created, err := e.j.Create(p)
	e.journalWrote("journal a checkout", err)
	if err != nil {
		if held != nil {
			l.held = held
		}
		return PaymentView{}, false, journalErr(err)
	}
	if !created { // an unfinished, approved or reversing payment of the order
		if held != nil {
			l.held = held // the code was not used: keep it for the checkout it was meant for
		}
		if takesMoney(stored.State) && stored.ReverseReason != "" {
			// The POS cancelled that payment while its outcome was open;
			// it settles in the background and a late approval is given
			// back. It is not this checkout, and the order cannot take a
			// second payment while it may still take money.
			return PaymentView{}, false, Errorf(ErrConflict, "order %s on lane %s has payment %s, which the POS cancelled while its outcome is still %s: it is being settled with the wallet and any charge will be given back; ring the sale up under a new order number to take the payment again", req.OrderNumber, req.TerminalID, stored.ID, stored.State)
		}
		if !sameCheckout(stored, req) {
			return PaymentView{}, false, Errorf(ErrConflict, "order %s on lane %s already has payment %s (%s) for %d TWD: use a new order number for a different checkout", req.OrderNumber, req.TerminalID, stored.ID, stored.State, stored.Amount)
		}
		if req.Barcode != "" && stored.State == store.AwaitingScan {
			// The POS repeats its checkout, now with the code it scanned
			// itself: that is the scan the payment was waiting for.
			w, _ := e.wallet(cls.Wallet)
			if q, err := e.attachCode(stored.ID, req.Barcode, cls, w); err == nil {
				e.sched.kick(paymentKey(q.ID))
				stored = q
			}
		}
		return e.view(stored, nil), false, nil
	}
	e.log.Info("checkout", "payment", stored.ID, "lane", stored.TerminalID, "order", stored.OrderNumber,
		"amount", stored.Amount, "state", stored.State, "code", stored.MaskedCode)
	e.changed(stored, true)
	e.sched.kick(paymentKey(stored.ID))
	return e.view(stored, nil), true, nil
}

// takesMoney: states in which a payment may still charge the customer.
func takesMoney(s store.State) bool {
	return s == store.AwaitingScan || s == store.Queued || s == store.InFlight || s == store.Unknown
}

func sameCheckout(p store.Payment, req CreateRequest) bool {
	return p.Amount == req.Amount && p.Undiscount == req.Undiscountable
}

func (e *Engine) checkCreate(req CreateRequest) error {
	if err := e.checkLane(req.TerminalID); err != nil {
		return err
	}
	switch {
	case req.OrderNumber == "":
		return Errorf(ErrInvalidRequest, "order_number is empty: send the POS's order number")
	case len(req.OrderNumber) > maxOrderNumber:
		return Errorf(ErrInvalidRequest, "order_number is %d bytes long: keep it at most %d (wallets carry it in their own identifiers)", len(req.OrderNumber), maxOrderNumber)
	case !printable(req.OrderNumber):
		return Errorf(ErrInvalidRequest, "order_number contains spaces or control characters: use letters, digits, '-' and '_'")
	case req.Amount <= 0:
		return Errorf(ErrInvalidRequest, "amount is %d: send a positive whole number of TWD", req.Amount)
	case req.Amount > e.cfg.MaxAmount:
		return Errorf(ErrInvalidRequest, "amount is %d TWD, more than the largest payment scanpay accepts (%d TWD): check that the POS sends whole TWD, not cents; raise max_amount in the configuration if such payments are real", req.Amount, e.cfg.MaxAmount)
	case req.Undiscountable < 0 || req.Undiscountable > req.Amount:
		return Errorf(ErrInvalidRequest, "undiscountable_amount is %d: it must be between 0 and amount (%d)", req.Undiscountable, req.Amount)
	}
	for i, it := range req.Items {
		if it.Name == "" || it.Quantity <= 0 || it.UnitPrice < 0 || it.Subtotal < 0 {
			return Errorf(ErrInvalidRequest, "items[%d] needs a name, a positive quantity and non-negative prices", i)
		}
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// checkPaymentCode says why a code the POS sent cannot be charged.
func (e *Engine) checkPaymentCode(cls providers.Classification) error {
	if !cls.Payment {
		switch cls.Class {
		case providers.ClassUnknown, providers.ClassAmbiguous:
			return Errorf(ErrUnknownCode, "the barcode is no supported wallet's payment code (%s): ask the customer to show the wallet's payment barcode", cls.Class)
		default:
			return Errorf(ErrUnknownCode, "the barcode is a %s, not a payment code we support: ask the customer to show a JKOPay, EasyWallet or iPass Money payment barcode", cls.Class)
		}
	}
	if _, ok := e.wallet(cls.Wallet); !ok {
		return Errorf(ErrWalletNotEnabled, "the barcode is a %s payment code but %s is not enabled: ask for another wallet, or configure [providers.%s]", cls.Wallet, cls.Wallet, cls.Wallet)
	}
	return nil
}

// Payment returns one payment with its refunds.
func (e *Engine) Payment(ctx context.Context, id string) (PaymentView, error) {
	p, err := e.j.Get(id)
	if err != nil {
		return PaymentView{}, journalErr(err)
	}
	refunds, err := e.j.Refunds(id)
	if err != nil {
		return PaymentView{}, journalErr(err)
	}
	return e.view(p, refunds), nil
}

// Wait returns the payment once it is final, or as it stands when d (or
// ctx) ends.
func (e *Engine) Wait(ctx context.Context, id string, d time.Duration) (PaymentView, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	// Watch before reading, so no change after the read is missed; then
	// each change hands over its state and the next watch with it, so a
	// wake-up reads nothing from the journal until the payment is final.
	w := e.waitFor(id)
	defer e.waitDone(id)
	p, err := e.j.Get(id)
	if err != nil {
		return PaymentView{}, journalErr(err)
	}
	if p.State.Final() {
		return e.Payment(ctx, id)
	}
	for {
		select {
		case <-w.ch:
			if w.state.Final() {
				return e.Payment(ctx, id)
			}
			w = w.next
		case <-t.C:
			return e.Payment(ctx, id)
		case <-ctx.Done():
			return e.Payment(context.WithoutCancel(ctx), id)
		}
	}
}

// waiter is one payment's next change, for the long-polls waiting on it:
// ch closes at the change; state is what the payment changed to, and next
// the watch for the change after.
type waiter struct {
	ch    chan struct{}
	state store.State
	next  *waiter
}

// waiting is a payment's current waiter and how many long-polls hold it.
type waiting struct {
	w *waiter
	n int
}

func (e *Engine) waitFor(id string) *waiter {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	en, ok := e.waits[id]
	if !ok {
		en = &waiting{w: &waiter{ch: make(chan struct{})}}
		e.waits[id] = en
	}
	en.n++
	return en.w
}

func (e *Engine) waitDone(id string) {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	if en, ok := e.waits[id]; ok {
		if en.n--; en.n <= 0 {
			delete(e.waits, id)
		}
	}
}

// wakeWaiters tells the long-polls on a payment that it changed to s.
func (e *Engine) wakeWaiters(id string, s store.State) {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	if en, ok := e.waits[id]; ok {
		w := en.w
		w.state, w.next = s, &waiter{ch: make(chan struct{})}
		en.w = w.next
		close(w.ch)
	}
}

func (e *Engine) viewOrErr(ctx context.Context, id string, err error) (PaymentView, error) {
	if err != nil {
		return PaymentView{}, err
	}
	return e.Payment(ctx, id)
}

func (e *Engine) watchCh(id string) <-chan struct{} {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	ch, ok := e.watch[id]
	if !ok {
		ch = make(chan struct{})
		e.watch[id] = ch
	}
	return ch
}

func (e *Engine) notify(id string) {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	if ch, ok := e.watch[id]; ok {
		close(ch)
		delete(e.watch, id)
	}
}

// Search finds payments by order, lane and/or state, newest first.
func (e *Engine) Search(ctx context.Context, q Query) ([]PaymentView, error) {
	if q.OrderNumber == "" && q.TerminalID == "" && q.State == "" {
		return nil, Errorf(ErrInvalidRequest, "a search needs order_number, terminal_id or state")
	}
	if q.TerminalID != "" {
		if err := CheckTerminalID(q.TerminalID); err != nil {
			return nil, err
		}
	}
	if q.State != "" && !q.State.Valid() {
		return nil, Errorf(ErrInvalidRequest, "state %q is not a payment state: use one of %v", q.State, store.States)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	var found []store.Payment
	var err error
	switch {
	case q.OrderNumber != "" && q.TerminalID != "":
		found, err = e.j.FindOrder(q.TerminalID, q.OrderNumber)
	case q.State != "" && !q.State.Final():
		found, err = e.j.InState(q.State)
	default:
		// The journal keeps no order-only or final-state index: search the
		// recent window, which is what a POS looks for.
		found, err = e.j.Recent(5000)
	}
	if err != nil {
		return nil, journalErr(err)
	}
	out := []PaymentView{}
	for _, p := range found {
		if (q.OrderNumber != "" && p.OrderNumber != q.OrderNumber) || (q.TerminalID != "" && p.TerminalID != q.TerminalID) ||
			(q.State != "" && p.State != q.State) {
			continue
		}
		out = append(out, e.view(p, nil))
		if len(out) == q.Limit {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b PaymentView) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// Cancel is the POS taking its checkout back. Before a code is sent the
// payment is cancelled; while a request is out or unsettled the wish is
// journaled and an eventual approval is given back (reversed); an approved
// payment is given back at once (Reversing → Reversed, by void or full
// refund). The answer is the payment as it truly stands.
func (e *Engine) Cancel(ctx context.Context, id string) (PaymentView, error) {
	for range 10 {
		p, err := e.j.Get(id)
		if err != nil {
			return PaymentView{}, journalErr(err)
		}
		const why = "cancelled by the POS"
		switch p.State {
		case store.AwaitingScan, store.Queued:
			_, err = e.move(id, []store.State{p.State}, store.Cancelled, why, nil)
		case store.InFlight, store.Unknown:
			var q store.Payment
			q, err = e.touch(p, func(q *store.Payment) error { q.ReverseReason = why; return nil })
			if err == nil {
				// It settles in the background now: the lane is free
				// for the next customer.
				e.lanes.release(q)
				e.log.Info("POS cancelled while the outcome is open: an approval will be given back; the lane is free", "payment", id, "state", p.State)
			}
		case store.Approved:
			if err := e.canReverse(p); err != nil {
				return PaymentView{}, err
			}
			// The journal refuses the move while a refund of p is running,
			// in the same transaction (ErrRefundInProgress).
			_, err = e.move(id, []store.State{store.Approved}, store.Reversing, why+" after approval: giving it back", func(q *store.Payment) error {
				q.ReverseReason = why
				q.NextTry = time.Time{}
				return nil
			})
			if err == nil {
				e.sched.kick(paymentKey(id))
			}
		default:
			return e.Payment(ctx, id) // final or already being reversed: nothing more to do
		}
		var se *store.StateError
		if errors.As(err, &se) {
			continue // raced with dispatch: look again
		}
		if err != nil {
			return PaymentView{}, journalErr(err)
		}
		return e.Payment(ctx, id)
	}
	return PaymentView{}, Errorf(ErrConflict, "payment %s keeps changing; try the cancel again", id)
}

func (e *Engine) canReverse(p store.Payment) error {
	w, ok := e.wallet(p.Wallet)
	if !ok {
		return Errorf(ErrRefundRefused, "wallet %s is not enabled, so payment %s cannot be given back: enable it again", p.Wallet, p.ID)
	}
	_, v := w.Wallet.(providers.Voider)
	_, r := w.Wallet.(providers.Refunder)
	if !v && !r {
		return Errorf(ErrRefundRefused, "wallet %s can neither void nor refund: give payment %s back in the wallet's merchant portal", p.Wallet, p.ID)
	}
	return nil
}

// view is p as the POS may see it: the code masked, no wallet identifiers.
func (e *Engine) view(p store.Payment, refunds []store.Refund) PaymentView {
	v := PaymentView{
		ID: p.ID, TerminalID: p.TerminalID, OrderNumber: p.OrderNumber, Amount: p.Amount, Undiscountable: p.Undiscount,
		Description: p.Description, Items: p.Items, Wallet: p.Wallet, MaskedCode: p.MaskedCode, State: p.State,
		Final: p.State.Final(), Attempts: p.Attempts, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		History: p.History, Answer: p.Answer, RefundedAmount: p.RefundedAmount, Sandbox: e.cfg.Sandbox,
	}
	for _, r := range refunds {
		v.Refunds = append(v.Refunds, refundView(r))
	}
	return v
}

func refundView(r store.Refund) RefundView {
	return RefundView{ID: r.ID, PaymentID: r.PaymentID, Amount: r.Amount, State: r.State,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Answer: r.Answer}
}

// journalErr turns a journal error into what the POS can act on.
func journalErr(err error) error {
	var ee *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return err
	case errors.Is(err, store.ErrRefundInProgress):
		return &Error{Code: ErrConflict, Message: "a refund of the payment is still running: wait for it to finish (see the payment's refunds), then try again", Err: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: ErrNotFound, Message: "no such payment: check the id", Err: err}
	case errors.Is(err, store.ErrInvalid):
		return &Error{Code: ErrInvalidRequest, Message: "the journal refused the request", Err: err}
	}
	return &Error{Code: ErrUnavailable, Message: "the payment journal cannot be read or written, so nothing was done: GET /v1/status names the cause and the fix", Err: err}
}
