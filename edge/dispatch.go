package edge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/store"
)

// errReverseWish aborts an approval inside its transaction when the POS has
// cancelled meanwhile: the payment goes to Reversing instead.
var errReverseWish = errors.New("the POS cancelled this payment")

// reverseRefPrefix marks the keys of WalletRef that belong to the refund
// that reverses a payment (kept apart from the payment's own identifiers).
const reverseRefPrefix = "reverse:"

func (e *Engine) worker() {
	for {
		key, ok := e.sched.next()
		if !ok {
			return
		}
		id := key[2:]
		if strings.HasPrefix(key, "r:") {
			e.stepRefund(id)
		} else {
			e.stepPayment(id)
		}
		e.sched.done(key)
	}
}

// wallet returns the enabled wallet of p, or reports why there is none.
func (e *Engine) wallet(name string) (WalletSetup, bool) {
	w, ok := e.cfg.Wallets[name]
	return w, ok
}

// callCtx bounds one wallet request. It does not descend from Run's
// context on purpose: a request that is out when the service stops is
// allowed to finish, so its answer is journaled instead of becoming unknown.
func (e *Engine) callCtx(w WalletSetup) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), w.Limits.Timeout)
}

// stepPayment does the next thing owed on payment id, as the journal says.
func (e *Engine) stepPayment(id string) {
	p, err := e.j.Get(id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			e.log.Error("cannot read a payment from the journal; will retry", "payment", id, "err", err)
			e.wake(paymentKey(id), e.now().Add(e.cfg.Resolve.Max), e.waitMax)
		}
		return
	}
	switch p.State {
	case store.AwaitingScan:
		if passed(p.ScanBy, e.now(), e.cfg.ScanTimeout) {
			e.move(p.ID, []store.State{store.AwaitingScan}, store.Cancelled,
				fmt.Sprintf("no payment code was scanned within %s", e.cfg.ScanTimeout), nil)
			return
		}
		e.wake(paymentKey(p.ID), p.ScanBy, e.cfg.ScanTimeout)
	case store.Queued:
		e.send(p)
	case store.InFlight:
		// Only a crash (or a journal failure right after the send) leaves a
		// payment in_flight with no worker on it: the request may have
		// reached the wallet, so it is settled, never resent blindly.
		if _, err := e.move(p.ID, []store.State{store.InFlight}, store.Unknown,
			"interrupted while the request was out: it may have reached the wallet; settling", nil); err == nil {
			e.sched.kick(paymentKey(p.ID))
		}
	case store.Unknown:
		e.resolve(p)
	case store.Reversing:
		e.reverse(p)
	}
}

// send charges a queued payment: in_flight is committed first (write-ahead).
func (e *Engine) send(p store.Payment) {
	now := e.now()
	w, ok := e.wallet(p.Wallet)
	if !ok {
		e.move(p.ID, []store.State{store.Queued}, store.Cancelled,
			fmt.Sprintf("wallet %s is no longer enabled in the configuration; nothing was sent", p.Wallet), nil)
		return
	}
	if !p.CodeExpires.IsZero() && passed(p.CodeExpires, now, w.Limits.CodeTTL) {
		e.move(p.ID, []store.State{store.Queued}, store.Expired,
			"the payment code's lifetime ended before the wallet could be reached; nothing was charged", nil)
		return
	}
	if !passed(p.NextTry, now, e.waitMax) {
		e.wake(paymentKey(p.ID), p.NextTry, e.waitMax)
		return
	}
	queued := p
	p, err := e.move(p.ID, []store.State{store.Queued}, store.InFlight, "sending to "+p.Wallet, func(q *store.Payment) error {
		if q.ReverseReason != "" {
			return errReverseWish // checked in the same CAS that permits the send
		}
		q.Attempts++
		q.NextTry = now.Add(w.Limits.Timeout) // a restart after this settles it
		return nil
	})
	if errors.Is(err, errReverseWish) {
		e.move(queued.ID, []store.State{store.Queued}, store.Cancelled, "cancelled by the POS before the request left; nothing was sent", nil)
		return
	}
	if err != nil {
		return // lost the race to a Cancel, or the journal refused: nothing was sent
	}
	ctx, cancel := e.callCtx(w)
	var out providers.Outcome
	e.timed(p.Wallet, CallPay, func() { out = w.Wallet.Pay(ctx, payRequest(p)) })
	cancel()
	e.log.Info("wallet answered", "payment", p.ID, "wallet", p.Wallet, "code", p.MaskedCode,
		"attempt", p.Attempts, "kind", out.Kind.String(), "status", out.Code, "not_sent", out.NotSent)
	from := []store.State{store.InFlight}
	if out.Kind == providers.Approved || out.Kind == providers.Declined {
		e.setProblem("wallet:"+p.Wallet, "") // it answers properly again
	}
	switch out.Kind {
	case providers.Approved:
		e.approve(p.ID, store.InFlight, out)
	case providers.Declined:
		e.move(p.ID, from, store.Declined, "declined by the wallet: "+out.Message, answerMut(out))
	case providers.ConfigError:
		e.setProblem("wallet:"+p.Wallet, fmt.Sprintf("wallet %s refused scanpay's credentials or configuration: %s", p.Wallet, out.Message))
		e.move(p.ID, from, store.Declined, "refused by the wallet for a configuration problem (see the administrator): "+out.Message, answerMut(out))
	case providers.Voided:
		e.move(p.ID, from, store.Voided, "the wallet voided it: "+out.Message, answerMut(out))
	default:
		if out.NotSent {
			next := e.now().Add(e.cfg.Retry.Delay(p.Attempts))
			if next.Before(p.CodeExpires) {
				_, err := e.move(p.ID, from, store.Queued, "not sent ("+out.Message+"); retrying", func(q *store.Payment) error {
					if q.ReverseReason != "" {
						// The POS cancelled while the request was out, and
						// it never left: nothing to give back, nothing to send.
						return errReverseWish
					}
					q.NextTry = next
					return nil
				})
				switch {
				case errors.Is(err, errReverseWish):
					e.move(p.ID, from, store.Cancelled, "cancelled by the POS while the request was out; it never left ("+out.Message+"): nothing was sent", nil)
				case err == nil:
					e.wake(paymentKey(p.ID), next, e.waitMax)
				}
				return
			}
			e.move(p.ID, from, store.Expired, "the wallet could not be reached before the payment code expired ("+out.Message+"); nothing was charged", nil)
			return
		}
		if _, err := e.move(p.ID, from, store.Unknown, "no definite answer ("+out.Message+"); settling", func(q *store.Payment) error {
			q.NextTry = e.now()
			q.Answer.Message = out.Message
			return nil
		}); err == nil {
			e.sched.kick(paymentKey(p.ID))
		}
	}
}

// approve books an approval, unless the POS cancelled meanwhile: then the
// payment goes to Reversing in the same CAS and is given back.
func (e *Engine) approve(id string, from store.State, out providers.Outcome) error {
	_, err := e.move(id, []store.State{from}, store.Approved, "approved by the wallet", func(q *store.Payment) error {
		if q.ReverseReason != "" {
			return errReverseWish
		}
		setAnswer(q, out)
		return nil
	})
	if errors.Is(err, errReverseWish) {
		if _, err = e.move(id, []store.State{from}, store.Reversing, "approved after the POS cancelled: giving it back", answerMut(out)); err == nil {
			e.sched.kick(paymentKey(id))
		}
	}
	return err
}

// due returns p's wallet when work on p is due now; otherwise it schedules
// the work for later (NextTry, or a long pause while the wallet is not
// enabled, reported in Health) and returns false.
func (e *Engine) due(p store.Payment, what string) (WalletSetup, bool) {
	now := e.now()
	if !passed(p.NextTry, now, e.waitMax) {
		e.wake(paymentKey(p.ID), p.NextTry, e.waitMax)
		return WalletSetup{}, false
	}
	w, ok := e.wallet(p.Wallet)
	if !ok {
		e.setProblem("payment:"+p.ID, fmt.Sprintf("payment %s %s but wallet %s is not enabled: enable it again in the configuration so it can be finished", p.ID, what, p.Wallet))
		e.wake(paymentKey(p.ID), now.Add(e.cfg.Resolve.Max), e.waitMax)
		return WalletSetup{}, false
	}
	return w, true
}

// resolve settles an unknown outcome by the wallet's own rule.
func (e *Engine) resolve(p store.Payment) {
	w, ok := e.due(p, "is unknown")
	if !ok {
		return
	}
	now := e.now()
	next := now.Add(e.cfg.Resolve.Delay(p.Attempts))
	p, err := e.touch(p, func(q *store.Payment) error {
		q.Attempts++
		q.NextTry = next
		return nil
	})
	if err != nil {
		return
	}
	ctx, cancel := e.callCtx(w)
	var out providers.Outcome
	e.timed(p.Wallet, CallResolve, func() { out = w.Wallet.Resolve(ctx, payRequest(p)) })
	cancel()
	e.log.Info("settling an unknown outcome", "payment", p.ID, "wallet", p.Wallet, "attempt", p.Attempts,
		"kind", out.Kind.String(), "status", out.Code)
	from := []store.State{store.Unknown}
	var lost error
	switch out.Kind {
	case providers.Approved:
		lost = e.approve(p.ID, store.Unknown, out)
	case providers.Declined:
		_, lost = e.move(p.ID, from, store.Declined, "settled: the wallet declined it: "+out.Message, answerMut(out))
	case providers.Voided:
		_, lost = e.move(p.ID, from, store.Voided, "settled by the wallet's rule: no money moved ("+out.Message+")", answerMut(out))
	default:
		if out.Kind == providers.ConfigError {
			e.setProblem("wallet:"+p.Wallet, fmt.Sprintf("wallet %s refused scanpay's credentials while settling: %s", p.Wallet, out.Message))
		}
		if out.Kind == providers.Unknown && out.Code != "" {
			// The wallet answered, and its answer settles nothing: this
			// may never end by itself, so the operator is asked to look.
			// The text holds no attempt count, so that the log says it
			// once, not on every retry.
			e.problemWhileUnknown(p.ID, fmt.Sprintf("payment %s (order %s, %d TWD, lane %s) is still unknown: wallet %s answers %s (%s). scanpay keeps asking; if this persists, check the order in %s's merchant portal and record what it shows: scanpay settle %s --as approved --transaction <id> --note \"...\" (or --as declined if no money moved)",
				p.ID, p.OrderNumber, p.Amount, p.TerminalID, p.Wallet, out.Code, out.Message, p.Wallet, p.ID))
		}
		e.wake(paymentKey(p.ID), next, e.waitMax)
	}
	if se := (*store.StateError)(nil); errors.As(lost, &se) {
		// An operator (or the POS) moved it while the wallet was asked.
		e.settledOtherwise(p.ID, out.Kind == providers.Approved, out.Kind.String()+" "+out.Code+" "+out.TransactionID)
	}
}

// problemWhileUnknown reports a problem about payment id unless it has
// left unknown meanwhile. Reading after setting makes the order safe: a
// settlement that commits before the read is seen here, one that commits
// after clears the problem itself.
func (e *Engine) problemWhileUnknown(id, problem string) {
	e.setProblem("payment:"+id, problem)
	if p, err := e.j.Get(id); err == nil && p.State != store.Unknown {
		e.setProblem("payment:"+id, "")
	}
}

// reverse gives back an approval the POS no longer wants: void where the
// wallet can, else a full refund of what remains.
func (e *Engine) reverse(p store.Payment) {
	w, ok := e.due(p, "must be given back")
	if !ok {
		return
	}
	now := e.now()
	voider, canVoid := w.Wallet.(providers.Voider)
	refunder, canRefund := w.Wallet.(providers.Refunder)
	// A void takes back the whole charge: after a partial refund it would
	// give back more than remains (or be refused), so only a refund of
	// what remains will do. (No refund can be running here: the journal
	// keeps a payment approved while one is, and refuses new ones now.)
	useRefund := !canVoid || p.WalletRef[reverseRefPrefix+"mode"] == "refund" || p.RefundedAmount > 0
	if useRefund && !canRefund {
		e.setProblem("payment:"+p.ID, fmt.Sprintf("payment %s (order %s) was approved after the POS cancelled, and wallet %s can neither void nor refund it: give it back by hand in the wallet's merchant portal, then record that with: scanpay settle %s --as reversed --note \"...\" (add --transaction <id> if the portal gives the refund an id)", p.ID, p.OrderNumber, p.Wallet, p.ID))
		e.wake(paymentKey(p.ID), now.Add(e.cfg.Resolve.Max), e.waitMax)
		return
	}
	remaining := p.Amount - p.RefundedAmount
	var refundRef providers.Ref
	if useRefund && reverseRef(p) == nil {
		var err error
		refundRef, err = refunder.NewRefundRef(reverseRefund(p, remaining, nil), e.wall())
		if err != nil {
			e.log.Error("cannot make the refund identifiers for a reversal", "payment", p.ID, "err", err)
			e.wake(paymentKey(p.ID), now.Add(e.cfg.Resolve.Max), e.waitMax)
			return
		}
	}
	next := now.Add(e.cfg.Resolve.Delay(p.Attempts))
	p, err := e.touch(p, func(q *store.Payment) error {
		q.Attempts++
		q.NextTry = next
		if refundRef != nil && reverseRef(*q) == nil {
			if q.WalletRef == nil {
				q.WalletRef = map[string]string{}
			}
			for k, v := range refundRef {
				q.WalletRef[reverseRefPrefix+k] = v
			}
		}
		return nil
	})
	if err != nil {
		return
	}
	ctx, cancel := e.callCtx(w)
	var out providers.Outcome
	how := "voided"
	if useRefund {
		how = "refunded in full"
		e.timed(p.Wallet, CallRefund, func() { out = refunder.Refund(ctx, reverseRefund(p, remaining, reverseRef(p))) })
	} else {
		e.timed(p.Wallet, CallVoid, func() { out = voider.Void(ctx, payRequest(p), approval(p)) })
	}
	cancel()
	e.log.Info("giving back an approval", "payment", p.ID, "wallet", p.Wallet, "how", how, "kind", out.Kind.String(), "status", out.Code)
	switch out.Kind {
	case providers.Voided, providers.Approved:
		e.setProblem("payment:"+p.ID, "")
		e.move(p.ID, []store.State{store.Reversing}, store.Reversed, "given back ("+how+"): "+p.ReverseReason, nil)
	case providers.Declined:
		if !useRefund && canRefund {
			// The wallet will not void (e.g. already settled): refund instead.
			if _, err := e.touch(p, func(q *store.Payment) error {
				if q.WalletRef == nil {
					q.WalletRef = map[string]string{}
				}
				q.WalletRef[reverseRefPrefix+"mode"] = "refund"
				q.NextTry = e.now()
				return nil
			}); err == nil {
				e.sched.kick(paymentKey(p.ID))
			}
			return
		}
		e.setProblem("payment:"+p.ID, fmt.Sprintf("payment %s (order %s) must be given back but wallet %s refused (%s %s): give it back by hand in the wallet's merchant portal (or check there that it is back), then record that with: scanpay settle %s --as reversed --note \"...\" (add --transaction <id> if the portal gives the refund an id)", p.ID, p.OrderNumber, p.Wallet, out.Code, out.Message, p.ID))
		e.wake(paymentKey(p.ID), e.now().Add(e.cfg.Resolve.Max), e.waitMax)
	default:
		e.wake(paymentKey(p.ID), next, e.waitMax)
	}
}

// move commits one transition, then tells everyone who needs to know; a
// journal failure is retried later.
func (e *Engine) move(id string, from []store.State, to store.State, reason string, mut func(*store.Payment) error) (store.Payment, error) {
	p, err := e.commit(id, from, to, reason, mut)
	if err != nil {
		var se *store.StateError
		if !errors.As(err, &se) && !errors.Is(err, errReverseWish) && !errors.Is(err, store.ErrRefundInProgress) {
			if !errors.Is(err, store.ErrWrite) { // that one is in Health, logged once
				e.log.Error("journal refused a transition; will retry", "payment", id, "to", to, "err", err)
			}
			e.wake(paymentKey(id), e.now().Add(e.cfg.Resolve.Min), e.waitMax)
		}
		return p, err
	}
	return p, nil
}

// commit journals one transition with the receipts it owes, then tells
// everyone who needs to know. A final payment owes nothing more, so any
// problem Health reported about it is gone.
func (e *Engine) commit(id string, from []store.State, to store.State, reason string, mut func(*store.Payment) error) (store.Payment, error) {
	hooks := e.hooksFor(to)
	var was store.State // the state moved from, for the observer
	seen := func(q *store.Payment) error {
		was = q.State
		if mut != nil {
			return mut(q)
		}
		return nil
	}
	p, err := e.j.Transition(id, store.Transition{From: from, To: to, Reason: reason, Mutate: seen, Hooks: hooks})
	e.journalWrote("record a payment's change", err)
	if err != nil {
		return p, err
	}
	if to.Final() {
		e.setProblem("payment:"+id, "")
	}
	if was != to && firstFinal(p) {
		e.obs.PaymentFinal(p.Wallet, p.State, p.Amount)
	}
	e.changed(p, true)
	if len(hooks) > 0 {
		e.kickOutbox()
	}
	return p, nil
}

// touch updates p without changing its state (attempt counts, NextTry,
// the POS's wish): the write-ahead record of a request about to leave.
func (e *Engine) touch(p store.Payment, mut func(*store.Payment) error) (store.Payment, error) {
	q, err := e.j.Transition(p.ID, store.Transition{From: []store.State{p.State}, To: p.State, Mutate: mut})
	e.journalWrote("record a request about to leave", err)
	if err != nil {
		var se *store.StateError
		if !errors.As(err, &se) {
			if !errors.Is(err, store.ErrWrite) { // that one is in Health, logged once
				e.log.Error("journal refused an update; will retry", "payment", p.ID, "err", err)
			}
			e.wake(paymentKey(p.ID), e.now().Add(e.cfg.Resolve.Min), e.waitMax)
		}
		return q, err
	}
	return q, nil
}

// changed follows a committed payment: lanes, waiters, the event stream.
func (e *Engine) changed(p store.Payment, announce bool) {
	e.lanes.track(p)
	e.wakeWaiters(p.ID, p.State)
	if announce {
		e.publish("payment", e.view(p, nil))
	}
}

func (e *Engine) hooksFor(s store.State) []string {
	var names []string
	for _, h := range e.cfg.Hooks {
		if h.On(s) {
			names = append(names, h.Name())
		}
	}
	return names
}

func payRequest(p store.Payment) providers.PayRequest {
	items := make([]providers.Item, len(p.Items))
	for i, it := range p.Items {
		items[i] = providers.Item{Name: it.Name, Quantity: it.Quantity, UnitPrice: it.UnitPrice, Subtotal: it.Subtotal}
	}
	ref := providers.Ref{}
	for k, v := range p.WalletRef {
		if !strings.HasPrefix(k, reverseRefPrefix) {
			ref[k] = v
		}
	}
	return providers.PayRequest{
		PaymentID: p.ID, TerminalID: p.TerminalID, OrderNumber: p.OrderNumber,
		Amount: p.Amount, Undiscountable: p.Undiscount, Description: p.Description, Items: items,
		Code: p.FullCode, CreatedAt: p.CreatedAt, Ref: ref, Attempt: p.Attempts,
	}
}

// reverseRef is the refund identifiers of p's reversal, nil until made.
func reverseRef(p store.Payment) providers.Ref {
	var ref providers.Ref
	for k, v := range p.WalletRef {
		if k != reverseRefPrefix+"mode" && strings.HasPrefix(k, reverseRefPrefix) {
			if ref == nil {
				ref = providers.Ref{}
			}
			ref[strings.TrimPrefix(k, reverseRefPrefix)] = v
		}
	}
	return ref
}

func reverseRefund(p store.Payment, amount int64, ref providers.Ref) providers.RefundRequest {
	return providers.RefundRequest{
		RefundID: p.ID + "-reverse", Payment: payRequest(p), Approval: approval(p),
		Amount: amount, Full: true, Ref: maps.Clone(ref), Attempt: p.Attempts, CreatedAt: p.CreatedAt,
	}
}

// approval rebuilds the wallet's approval from the journaled answer.
func approval(p store.Payment) providers.Outcome {
	a := p.Answer
	return providers.Outcome{Kind: providers.Approved, Code: a.Code, Message: a.Message, TransactionID: a.TransactionID,
		PaymentMethod: a.PaymentMethod, AmountPaid: a.AmountPaid, Discount: a.Discount, Carrier: a.Carrier}
}

func setAnswer(p *store.Payment, out providers.Outcome) {
	p.Answer = store.WalletAnswer{Code: out.Code, Message: out.Message, TransactionID: out.TransactionID,
		PaymentMethod: out.PaymentMethod, AmountPaid: out.AmountPaid, Discount: out.Discount, Carrier: out.Carrier, RetryScan: out.RetryScan}
}

func answerMut(out providers.Outcome) func(*store.Payment) error {
	return func(p *store.Payment) error {
		// Keep the approval's details (transaction id) on a reversal.
		if p.Answer.TransactionID != "" && out.TransactionID == "" {
			p.Answer.Code, p.Answer.Message = out.Code, out.Message
			return nil
		}
		setAnswer(p, out)
		return nil
	}
}
