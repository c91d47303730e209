package edge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/store"
)

// Refund gives back amount TWD of an approved payment (0 = everything that
// remains). The refund is journaled with its own identifiers before it is
// sent; the answer is the refund once final, or as it stands after the
// wallet's timeout (it then finishes in the background, see Payment).
func (e *Engine) Refund(ctx context.Context, id string, amount int64) (RefundView, error) {
	return e.RefundOnce(ctx, id, amount, "")
}

// maxIdempotencyKey bounds a POS's idempotency key (Stripe's bound).
const maxIdempotencyKey = 255

// RefundOnce is Refund with the POS's idempotency key (none: ""), with
// Stripe's semantics: a key sent again with the same payment and amount is
// answered with the refund it first made, as it stands now, and nothing
// is refunded again; sent with another payment or amount it is a conflict.
// The key is journaled with its refund, so this holds across restarts for
// as long as the journal keeps the payment.
func (e *Engine) RefundOnce(ctx context.Context, id string, amount int64, key string) (RefundView, error) {
	request := fmt.Sprintf("a refund of %d TWD of payment %s", amount, id)
	if key != "" {
		if len(key) > maxIdempotencyKey || !printable(key) {
			return RefundView{}, Errorf(ErrInvalidRequest, "the Idempotency-Key header is %d bytes or holds spaces or control characters: send at most %d printable characters, a new one (a UUID) for each refund", len(key), maxIdempotencyKey)
		}
		first, found, err := e.j.RefundByKey(key)
		if err != nil {
			return RefundView{}, journalErr(err)
		}
		if found {
			return e.refundAgain(ctx, first, key, request)
		}
	}
	if err := e.refuseWhileSuspect(); err != nil {
		return RefundView{}, err
	}
	p, err := e.j.Get(id)
	if err != nil {
		return RefundView{}, journalErr(err)
	}
	switch p.State {
	case store.Approved:
	case store.Refunded:
		return RefundView{}, Errorf(ErrRefundRefused, "payment %s is already refunded in full", id)
	default:
		return RefundView{}, Errorf(ErrConflict, "payment %s is %s: only an approved payment can be refunded", id, p.State)
	}
	w, ok := e.wallet(p.Wallet)
	if !ok {
		return RefundView{}, Errorf(ErrRefundRefused, "wallet %s is not enabled: enable it again to refund payment %s", p.Wallet, id)
	}
	refunder, ok := w.Wallet.(providers.Refunder)
	if !ok {
		return RefundView{}, Errorf(ErrRefundRefused, "wallet %s cannot refund: cancel the payment instead (it is voided)", p.Wallet)
	}
	held, err := e.j.Refunds(id)
	if err != nil {
		return RefundView{}, journalErr(err)
	}
	remaining := p.Amount
	for _, r := range held {
		if r.State != store.RefundFailed {
			remaining -= r.Amount
		}
	}
	switch {
	case amount < 0:
		return RefundView{}, Errorf(ErrInvalidRequest, "amount is %d: send a positive number of TWD, or 0 for everything that remains", amount)
	case amount == 0:
		amount = remaining
	}
	if amount > remaining || remaining <= 0 {
		return RefundView{}, Errorf(ErrRefundRefused, "refund of %d TWD is more than the %d TWD left to refund on payment %s", amount, max(remaining, 0), id)
	}
	full := amount == p.Amount-p.RefundedAmount
	if !full && !refunder.PartialRefunds() {
		return RefundView{}, Errorf(ErrRefundRefused, "wallet %s refunds only in full: refund %d TWD (everything that remains)", p.Wallet, p.Amount-p.RefundedAmount)
	}
	now := e.wall()
	rid := uuid.NewString()
	rr := providers.RefundRequest{RefundID: rid, Payment: payRequest(p), Approval: approval(p), Amount: amount, Full: full, CreatedAt: now}
	ref, err := refunder.NewRefundRef(rr, now)
	if err != nil {
		return RefundView{}, Errorf(ErrRefundRefused, "wallet %s cannot make this refund: %v", p.Wallet, err)
	}
	stored, err := e.j.CreateRefund(store.Refund{ID: rid, PaymentID: id, Amount: amount, State: store.RefundPending,
		WalletRef: map[string]string(ref), CreatedAt: now, UpdatedAt: now, IdempotencyKey: key, KeyRequest: request})
	e.journalWrote("journal a refund", err)
	switch {
	case err == nil && stored.ID != rid: // the same key won a race with this call
		return e.refundAgain(ctx, stored, key, request)
	case errors.Is(err, store.ErrKeyReused):
		return RefundView{}, keyReused(key, request, err)
	case errors.Is(err, store.ErrRefundExceeds):
		return RefundView{}, &Error{Code: ErrRefundRefused, Message: "the refund is more than what is left to refund", Err: err}
	case errors.Is(err, store.ErrNotRefundable):
		return RefundView{}, &Error{Code: ErrConflict, Message: "the payment is no longer refundable (it changed meanwhile)", Err: err}
	case err != nil:
		return RefundView{}, journalErr(err)
	}
	e.log.Info("refund", "payment", id, "refund", rid, "amount", amount)
	e.sched.kick(refundKey(rid))
	return e.waitRefund(ctx, rid, w.Limits.Timeout+2*time.Second)
}

// refundAgain answers a request whose idempotency key made first: the
// same request gets that refund as it stands (waiting as the first call
// did), another request a conflict.
func (e *Engine) refundAgain(ctx context.Context, first store.Refund, key, request string) (RefundView, error) {
	if first.KeyRequest != request {
		return RefundView{}, keyReused(key, request, fmt.Errorf("%w: it made refund %s, %s", store.ErrKeyReused, first.ID, first.KeyRequest))
	}
	wait := time.Duration(0)
	if p, err := e.j.Get(first.PaymentID); err == nil {
		if w, ok := e.wallet(p.Wallet); ok {
			wait = w.Limits.Timeout + 2*time.Second
		}
	}
	return e.waitRefund(ctx, first.ID, wait)
}

func keyReused(key, request string, err error) error {
	return &Error{Code: ErrConflict, Message: fmt.Sprintf("the Idempotency-Key %q was first sent with another request (%v), not %s: send a new key for a different refund", key, err, request), Err: err}
}

func (e *Engine) waitRefund(ctx context.Context, rid string, d time.Duration) (RefundView, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		r, err := e.j.GetRefund(rid)
		if err != nil || r.State.Final() {
			return refundView(r), journalErr(err)
		}
		ch := e.watchCh(refundKey(rid))
		if r, err = e.j.GetRefund(rid); err != nil || r.State.Final() {
			return refundView(r), journalErr(err)
		}
		select {
		case <-ch:
		case <-t.C:
			return refundView(r), nil
		case <-ctx.Done():
			return refundView(r), nil
		}
	}
}

// stepRefund does the next thing owed on a refund: pending → in_flight
// (write-ahead) → sent; in_flight after a crash → unknown; unknown → resent
// with the same identifiers until definite (a refusal is definite only for
// the very first send).
func (e *Engine) stepRefund(id string) {
	r, err := e.j.GetRefund(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.wake(refundKey(id), e.now().Add(e.cfg.Resolve.Max), e.waitMax)
		}
		return
	}
	if r.State.Final() {
		return
	}
	now := e.now()
	if !passed(r.NextTry, now, e.waitMax) {
		e.wake(refundKey(id), r.NextTry, e.waitMax)
		return
	}
	p, err := e.j.Get(r.PaymentID)
	if err != nil {
		e.wake(refundKey(id), now.Add(e.cfg.Resolve.Max), e.waitMax)
		return
	}
	w, ok := e.wallet(p.Wallet)
	refunder, can := w.Wallet.(providers.Refunder)
	if !ok || !can {
		e.setProblem("refund:"+id, fmt.Sprintf("refund %s of payment %s cannot be sent: wallet %s is not enabled or cannot refund", id, p.ID, p.Wallet))
		e.wake(refundKey(id), now.Add(e.cfg.Resolve.Max), e.waitMax)
		return
	}
	if r.State == store.RefundInFlight {
		// Crashed with the request out: it may have reached the wallet.
		if _, err := e.moveRefund(id, store.RefundInFlight, store.RefundUnknown, "interrupted while the request was out; resending with the same identifiers", nil); err == nil {
			e.sched.kick(refundKey(id))
		}
		return
	}
	from := r.State
	to := store.RefundInFlight
	if from == store.RefundUnknown {
		to = store.RefundUnknown
	}
	next := now.Add(e.cfg.Resolve.Delay(r.Attempts + 1))
	r, err = e.moveRefund(id, from, to, "sending to "+p.Wallet, func(q *store.Refund) error {
		q.Attempts++
		q.NextTry = next
		return nil
	})
	if err != nil {
		return
	}
	req := providers.RefundRequest{RefundID: r.ID, Payment: payRequest(p), Approval: approval(p), Amount: r.Amount,
		Full: r.Amount == p.Amount-p.RefundedAmount, Ref: providers.Ref(r.WalletRef), Attempt: r.Attempts, CreatedAt: r.CreatedAt}
	ctx, cancel := e.callCtx(w)
	var out providers.Outcome
	e.timed(p.Wallet, CallRefund, func() { out = refunder.Refund(ctx, req) })
	cancel()
	e.log.Info("refund answered", "payment", p.ID, "refund", id, "kind", out.Kind.String(), "status", out.Code)
	switch out.Kind {
	case providers.Approved, providers.Voided:
		e.setProblem("refund:"+id, "")
		var se *store.RefundStateError
		if _, err := e.moveRefund(id, to, store.RefundSucceeded, "refunded by the wallet", refundAnswer(out)); errors.As(err, &se) {
			e.refundSettledOtherwise(id, out.Kind.String()+" "+out.Code+" "+out.TransactionID)
		}
	case providers.Declined, providers.ConfigError:
		if from == store.RefundPending {
			// The first send that could reach the wallet (pending means
			// none before it could: a send that provably never left went
			// back to pending), refused: no money moved, the amount is
			// free again.
			e.moveRefund(id, to, store.RefundFailed, "refused by the wallet: "+out.Message, refundAnswer(out))
			return
		}
		e.refusedAfterUnknown(r, p, to, out)
	default:
		if out.NotSent && from == store.RefundPending {
			// Nothing left the machine and nothing did before: the refund
			// is still unsent, and the next send's refusal fails it as a
			// first refusal does (unknown would hold its amount until an
			// operator acts).
			if _, err := e.moveRefund(id, to, store.RefundPending, "not sent ("+out.Message+"); sending again", nil); err == nil {
				e.wake(refundKey(id), next, e.waitMax)
			}
			return
		}
		if _, err := e.moveRefund(id, to, store.RefundUnknown, "no definite answer ("+out.Message+"); resending", nil); err == nil {
			e.wake(refundKey(id), next, e.waitMax)
		}
	}
}

// refusedAfterUnknown handles a refusal of a refund that may already have
// gone through (an earlier send got no answer): the refusal may be about
// that very refund (JKOPay's 812 "already being refunded") or about
// scanpay's login, and proves nothing. Failing it would free its amount for
// a second refund of money already given back, so it stays unknown, held,
// resent at the longest backoff, and Health asks the operator to look.
func (e *Engine) refusedAfterUnknown(r store.Refund, p store.Payment, to store.RefundState, out providers.Outcome) {
	next := e.now().Add(e.cfg.Resolve.Max)
	e.setProblem("refund:"+r.ID, fmt.Sprintf("refund %s of %d TWD (payment %s, order %s) may have gone through (an earlier send got no answer), but wallet %s now refuses it (%s %s): check in the wallet's merchant portal whether it was refunded; scanpay keeps the amount held and keeps asking; record what the portal shows with: scanpay settle --refund %s --as succeeded --transaction <id> --note \"...\" (or --as failed if no money went back)",
		r.ID, r.Amount, p.ID, p.OrderNumber, p.Wallet, out.Code, out.Message, r.ID))
	if now, err := e.j.GetRefund(r.ID); err == nil && now.State.Final() {
		// An operator settled it while this resend was out (SettleRefund
		// clears the problem after its commit; this read sees that commit).
		e.setProblem("refund:"+r.ID, "")
		return
	}
	answer := refundAnswer(out)
	if _, err := e.moveRefund(r.ID, to, store.RefundUnknown, "refused on a resend ("+out.Message+"); it may have gone through: held, asking again", func(q *store.Refund) error {
		q.NextTry = next
		return answer(q)
	}); err == nil {
		e.wake(refundKey(r.ID), next, e.waitMax)
	}
}

func refundAnswer(out providers.Outcome) func(*store.Refund) error {
	return func(r *store.Refund) error {
		r.Answer = store.WalletAnswer{Code: out.Code, Message: out.Message, TransactionID: out.TransactionID,
			PaymentMethod: out.PaymentMethod, AmountPaid: out.AmountPaid}
		return nil
	}
}

func (e *Engine) moveRefund(id string, from, to store.RefundState, reason string, mut func(*store.Refund) error) (store.Refund, error) {
	var hooks []string
	if to == store.RefundSucceeded {
		hooks = e.hooksFor(store.Refunded)
	}
	r, p, err := e.j.TransitionRefund(id, store.RefundTransition{From: []store.RefundState{from}, To: to, Reason: reason, Mutate: mut, Hooks: hooks})
	e.journalWrote("record a refund's change", err)
	if err != nil {
		var se *store.RefundStateError
		if !errors.As(err, &se) {
			if !errors.Is(err, store.ErrWrite) { // that one is in Health, logged once
				e.log.Error("journal refused a refund transition; will retry", "refund", id, "err", err)
			}
			e.wake(refundKey(id), e.now().Add(e.cfg.Resolve.Min), e.waitMax)
		}
		return r, err
	}
	e.notify(refundKey(id))
	if from != to {
		e.changed(p, true)
	}
	if len(hooks) > 0 {
		e.kickOutbox()
	}
	return r, nil
}
