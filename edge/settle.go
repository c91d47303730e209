package edge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scanpay/scanpay/store"
)

// Some outcomes no automatic rule can prove: an iPass payment whose search
// finds nothing and whose void is refused, an EasyWallet resend refused
// without isDuplicatedPaymentRequest, a refund whose resend keeps being
// refused after its first answer was lost. The engine keeps asking and
// Health tells the operator to look in the wallet's merchant portal;
// Settle and SettleRefund record what the portal shows. They move only
// out of unknown, through the same compare-and-set as the dispatch, so a
// wallet answer arriving at the same moment and the operator cannot both
// win.

// settledBy starts the history reason of every operator settlement, so an
// audit (and the dispatch, when a wallet later says otherwise) can tell it
// from the wallet's own answers.
const settledBy = "settled by an operator: "

// MaxSettleNote bounds a settlement's note, in bytes (UTF-8).
const MaxSettleNote = 500

const (
	maxTransactionID  = 128
	settledAnswerNote = "settled by an operator after checking the wallet's merchant portal"
)

// checkSettle trims and checks an operator's request; yes and no are the
// two outcomes allowed for what is settled ("payment" or "refund"), and a
// payment may also be settled as reversed (its transaction id optional).
func checkSettle(req SettleRequest, what, yes, no string) (SettleRequest, error) {
	req.Note = strings.TrimSpace(req.Note)
	req.TransactionID = strings.TrimSpace(req.TransactionID)
	reversed := what == "payment" && req.Outcome == SettleReversed
	switch {
	case req.Outcome != yes && req.Outcome != no && !reversed:
		also := ""
		if what == "payment" {
			also = fmt.Sprintf(", or %q for a payment being given back (reversing) that you gave back by hand", SettleReversed)
		}
		return req, Errorf(ErrInvalidRequest, "outcome %q is not one a %s can be settled as: use %q (the wallet's merchant portal shows it went through) or %q (it shows nothing happened)%s",
			clip(req.Outcome, 20), what, yes, no, also)
	case req.Note == "":
		return req, Errorf(ErrInvalidRequest, "note is empty: say who checked what, e.g. \"checked the wallet's merchant portal, order X not found — J. Chen\"; it is kept in the %s's history", what)
	case len(req.Note) > MaxSettleNote:
		return req, Errorf(ErrInvalidRequest, "note is %d bytes long: keep it at most %d", len(req.Note), MaxSettleNote)
	case !utf8.ValidString(req.Note) || strings.IndexFunc(req.Note, unicode.IsControl) >= 0:
		return req, Errorf(ErrInvalidRequest, "note contains control characters or invalid UTF-8: write it on one line of plain text")
	case req.Outcome == yes && req.TransactionID == "":
		return req, Errorf(ErrInvalidRequest, "transaction_id is empty: a %s settled as %s needs the wallet's transaction id as its merchant portal shows it", what, yes)
	case req.Outcome == no && req.TransactionID != "":
		return req, Errorf(ErrInvalidRequest, "transaction_id is given for a %s settled as %s: a %s with a transaction went through; settle it as %s, or leave transaction_id out", what, no, what, yes)
	case len(req.TransactionID) > maxTransactionID:
		return req, Errorf(ErrInvalidRequest, "transaction_id is %d bytes long: wallets' ids are at most %d; copy it from the merchant portal", len(req.TransactionID), maxTransactionID)
	case req.TransactionID != "" && !printable(req.TransactionID):
		return req, Errorf(ErrInvalidRequest, "transaction_id contains spaces or control characters: copy it exactly from the merchant portal")
	}
	return req, nil
}

// Settle records an operator's finding for a payment that is unknown:
// "approved" (the wallet took the money; its transaction id required) or
// "declined" (no money moved). It is refused in any other state. A payment
// the POS had asked to cancel goes from approved to reversing and is given
// back, as a late approval would. The move is final like any other: the
// full code is erased, receipts are queued, the Health problem goes away.
//
// "reversed" is for a payment stuck reversing (the wallet refuses both its
// void and its refund): the operator gave the money back by hand in the
// portal, or saw there that it is back. It is refused in any other state.
func (e *Engine) Settle(ctx context.Context, id string, req SettleRequest) (PaymentView, error) {
	req, err := checkSettle(req, "payment", SettleApproved, SettleDeclined)
	if err != nil {
		return PaymentView{}, err
	}
	// While a settling request is out, its answer could contradict the
	// operator (JKOPay's Cancel voids what the operator calls paid): wait
	// for it, keep workers from starting another, then look again.
	release, err := e.claim(ctx, paymentKey(id), "payment", id)
	if err != nil {
		return PaymentView{}, err
	}
	defer release()
	p, err := e.j.Get(id)
	if err != nil {
		return PaymentView{}, journalErr(err)
	}
	switch {
	case req.Outcome == SettleReversed && p.State != store.Reversing:
		return PaymentView{}, notReversing(id, string(p.State))
	case req.Outcome != SettleReversed && p.State == store.Reversing:
		return PaymentView{}, Errorf(ErrConflict, "payment %s is reversing, not unknown: it was approved and is being given back; if the wallet refuses to give it back, give it back by hand in the wallet's merchant portal and record that with: scanpay settle %s --as reversed --note \"...\"", id, id)
	case req.Outcome != SettleReversed && p.State != store.Unknown:
		return PaymentView{}, notUnknown("payment", id, string(p.State))
	}
	if p.FullCode != "" && (strings.Contains(req.Note, p.FullCode) || strings.Contains(req.TransactionID, p.FullCode)) {
		// The code is a credential: it must not end up in the history.
		return PaymentView{}, Errorf(ErrInvalidRequest, "the note or transaction_id holds the customer's payment code: leave it out (name the payment by its order number, %s)", p.OrderNumber)
	}
	if req.Outcome == SettleReversed {
		return e.settleReversed(ctx, p, req)
	}
	reason := settledBy + req.Note
	to := store.Declined
	answer := store.WalletAnswer{Message: "no money moved: " + settledAnswerNote}
	if req.Outcome == SettleApproved {
		to = store.Approved
		answer = store.WalletAnswer{Message: "paid: " + settledAnswerNote, TransactionID: req.TransactionID}
	}
	mut := func(checkWish bool) func(*store.Payment) error {
		return func(q *store.Payment) error {
			if checkWish && q.ReverseReason != "" {
				return errReverseWish // decided in the same CAS as the move
			}
			q.Answer = answer
			q.NextTry = time.Time{}
			return nil
		}
	}
	moved, err := e.commit(id, []store.State{store.Unknown}, to, reason, mut(to == store.Approved))
	if errors.Is(err, errReverseWish) {
		// Like a late approval: the POS cancelled, so it is given back.
		moved, err = e.commit(id, []store.State{store.Unknown}, store.Reversing,
			reason+" (approved after the POS cancelled: giving it back)", mut(false))
		if err == nil {
			e.sched.kick(paymentKey(id))
		}
	}
	var se *store.StateError
	switch {
	case errors.As(err, &se):
		return PaymentView{}, notUnknown("payment", id, string(se.Got))
	case err != nil:
		return PaymentView{}, journalErr(err)
	}
	e.setProblem("payment:"+id, "")
	e.log.Warn("an operator settled an unknown payment", "payment", id, "order", moved.OrderNumber, "wallet", moved.Wallet,
		"code", moved.MaskedCode, "outcome", req.Outcome, "state", moved.State, "transaction_id", req.TransactionID, "note", req.Note)
	return e.Payment(ctx, id)
}

// settleReversed moves a payment stuck reversing to reversed on an
// operator's word. The answer keeps the charge's transaction id (the money
// the wallet still shows taken); the note, and the wallet's refund id if
// given, go into the history, which is what explains that charge.
func (e *Engine) settleReversed(ctx context.Context, p store.Payment, req SettleRequest) (PaymentView, error) {
	reason := settledBy + req.Note
	if req.TransactionID != "" {
		reason += " (the wallet's refund " + req.TransactionID + ")"
	}
	moved, err := e.commit(p.ID, []store.State{store.Reversing}, store.Reversed, reason, func(q *store.Payment) error {
		q.NextTry = time.Time{}
		return nil
	})
	var se *store.StateError
	switch {
	case errors.As(err, &se):
		return PaymentView{}, notReversing(p.ID, string(se.Got))
	case err != nil:
		return PaymentView{}, journalErr(err)
	}
	e.setProblem("payment:"+p.ID, "")
	e.log.Warn("an operator settled a payment being given back as reversed", "payment", p.ID, "order", moved.OrderNumber, "wallet", moved.Wallet,
		"code", moved.MaskedCode, "amount", moved.Amount, "transaction_id", req.TransactionID, "note", req.Note)
	return e.Payment(ctx, p.ID)
}

func notReversing(id, state string) error {
	return Errorf(ErrConflict, "payment %s is %s, not reversing: only a payment being given back whose void and refund the wallet refuses may be settled as reversed; look at its history (scanpay payments --id)", id, state)
}

// SettleRefund records an operator's finding for a refund that is unknown:
// "succeeded" (the money went back; the wallet's refund transaction id
// required) or "failed" (no money went back: the amount is free again).
// The journal books a success on the payment in the same transaction.
func (e *Engine) SettleRefund(ctx context.Context, id string, req SettleRequest) (RefundView, error) {
	req, err := checkSettle(req, "refund", SettleSucceeded, SettleFailed)
	if err != nil {
		return RefundView{}, err
	}
	// As for a payment: a resend of the refund that is out could contradict
	// the operator, so wait for it and keep workers off it meanwhile.
	release, err := e.claim(ctx, refundKey(id), "refund", id)
	if err != nil {
		return RefundView{}, err
	}
	defer release()
	r, err := e.j.GetRefund(id)
	if errors.Is(err, store.ErrNotFound) {
		return RefundView{}, &Error{Code: ErrNotFound, Message: "no such refund: check the refund id (GET /v1/payments/{id} lists a payment's refunds)", Err: err}
	}
	if err != nil {
		return RefundView{}, journalErr(err)
	}
	if r.State != store.RefundUnknown {
		return RefundView{}, notUnknown("refund", id, string(r.State))
	}
	to := store.RefundFailed
	answer := store.WalletAnswer{Message: "no money went back: " + settledAnswerNote}
	var hooks []string
	if req.Outcome == SettleSucceeded {
		to = store.RefundSucceeded
		answer = store.WalletAnswer{Message: "refunded: " + settledAnswerNote, TransactionID: req.TransactionID}
		hooks = e.hooksFor(store.Refunded)
	}
	r, p, err := e.j.TransitionRefund(id, store.RefundTransition{
		From: []store.RefundState{store.RefundUnknown}, To: to, Reason: settledBy + req.Note, Hooks: hooks,
		Mutate: func(q *store.Refund) error {
			q.Answer = answer
			q.NextTry = time.Time{}
			return nil
		},
	})
	var se *store.RefundStateError
	switch {
	case errors.As(err, &se):
		return RefundView{}, notUnknown("refund", id, string(se.Got))
	case err != nil:
		return RefundView{}, journalErr(err)
	}
	e.setProblem("refund:"+id, "")
	e.notify(refundKey(id))
	e.changed(p, true)
	if len(hooks) > 0 {
		e.kickOutbox()
	}
	e.log.Warn("an operator settled an unknown refund", "refund", id, "payment", r.PaymentID, "amount", r.Amount,
		"outcome", req.Outcome, "transaction_id", req.TransactionID, "note", req.Note)
	return refundView(r), nil
}

// claim waits until no worker is stepping key (a request to the wallet may
// be out for that payment or refund) and keeps workers off it until release
// is called. It gives up with a conflict when ctx ends or after claimWait.
func (e *Engine) claim(ctx context.Context, key, what, id string) (release func(), err error) {
	deadline := time.Now().Add(claimWait)
	for !e.sched.claim(key) {
		if time.Now().After(deadline) {
			return nil, Errorf(ErrConflict, "%s %s has a request to its wallet out right now, which may settle it: ask again in a minute (scanpay payments shows where it stands)", what, id)
		}
		select {
		case <-ctx.Done():
			return nil, Errorf(ErrConflict, "%s %s has a request to its wallet out right now: %v", what, id, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return func() { e.sched.done(key) }, nil
}

// claimWait bounds how long an operator's settle waits for a wallet
// request that is out: longer than any wallet's request timeout by default.
const claimWait = 30 * time.Second

func notUnknown(what, id, state string) error {
	return Errorf(ErrConflict, "%s %s is %s, not unknown: only an unknown %s, which no rule of the wallet can settle, may be settled by an operator; look at its history (scanpay payments --id)",
		what, id, state, what)
}

// settledOtherwise is called when a wallet's definite answer lost the race
// for a payment (walletMoved: the wallet says the money moved): if an
// operator had settled it the other way, the books may be wrong, and the
// operator must look again.
func (e *Engine) settledOtherwise(id string, walletMoved bool, says string) {
	p, err := e.j.Get(id)
	if err != nil || len(p.History) == 0 || !strings.HasPrefix(p.History[len(p.History)-1].Reason, settledBy) {
		return
	}
	var moved bool
	switch p.State {
	case store.Approved, store.Reversing, store.Reversed, store.Refunded:
		moved = true
	}
	if moved != walletMoved {
		e.contradicted("payment", id, string(p.State), says)
	}
}

// refundSettledOtherwise is settledOtherwise for a refund the wallet says
// went through.
func (e *Engine) refundSettledOtherwise(id, says string) {
	r, err := e.j.GetRefund(id)
	if err != nil || len(r.History) == 0 || !strings.HasPrefix(r.History[len(r.History)-1].Reason, settledBy) {
		return
	}
	if r.State == store.RefundFailed {
		e.contradicted("refund", id, string(r.State), says)
	}
}

func (e *Engine) contradicted(what, id, state, says string) {
	msg := fmt.Sprintf("%s %s was settled by an operator as %s, but the wallet now answers %s: check it again in the wallet's merchant portal and put it right there by hand (refund the customer, or collect again)", what, id, state, says)
	e.log.Error("the wallet contradicts an operator's settlement", what, id, "settled_as", state, "wallet_says", says)
	e.setProblem("contradicted:"+id, msg)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
