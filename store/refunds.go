package store

import (
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RefundTransition is one compare-and-set move of a refund.
type RefundTransition struct {
	From   []RefundState
	To     RefundState
	Reason string
	// Mutate edits the refund inside the transaction; deterministic, may
	// run more than once; must not change ID, PaymentID, Amount, CreatedAt
	// or State.
	Mutate func(*Refund) error
	// Hooks: one Delivery per name, for the receipt of this refund (RefundID
	// set, State Refunded). Only a move to RefundSucceeded may name hooks.
	Hooks []string
}

var refundStates = []RefundState{RefundPending, RefundInFlight, RefundUnknown, RefundSucceeded, RefundFailed}

// CreateRefund journals a refund of (part of) an approved payment. In one
// transaction it checks that the payment exists and is Approved (else
// ErrNotFound / ErrNotRefundable) and that the refunds not failed, this one
// included, add up to at most the payment's amount (else ErrRefundExceeds).
// r.ID is set by the caller; r.State must be empty or RefundPending.
func (j *Journal) CreateRefund(r Refund) (Refund, error) {
	switch {
	case r.ID == "" || r.PaymentID == "":
		return Refund{}, fmt.Errorf("%w: refund needs an id and a payment_id; the engine must set both", ErrInvalid)
	case len(r.ID) > maxField || len(r.PaymentID) > maxField:
		return Refund{}, fmt.Errorf("%w: refund and payment ids must be at most %d bytes", ErrInvalid, maxField)
	case r.Amount <= 0:
		return Refund{}, fmt.Errorf("%w: refund %s amount is %d; it must be a positive number of TWD", ErrInvalid, r.ID, r.Amount)
	case r.State != "" && r.State != RefundPending:
		return Refund{}, fmt.Errorf("%w: refund %s is created as %q; a new refund is %s", ErrInvalid, r.ID, r.State, RefundPending)
	case len(r.IdempotencyKey) > maxField:
		return Refund{}, fmt.Errorf("%w: refund %s idempotency key must be at most %d bytes", ErrInvalid, r.ID, maxField)
	}
	now := j.now()
	r.State = RefundPending
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	r.History = append(slices.Clone(r.History), RefundChange{State: RefundPending, At: r.UpdatedAt, Reason: "created"})
	rec, err := encodeRecord(&r)
	if err != nil {
		return Refund{}, fmt.Errorf("encode refund %s: %w", r.ID, err)
	}
	var out Refund
	err = j.write(func(tx *bolt.Tx) error {
		out = Refund{}
		if r.IdempotencyKey != "" {
			first, found, err := refundByKey(tx, r.IdempotencyKey)
			switch {
			case err != nil:
				return refuse(err)
			case found && first.KeyRequest != r.KeyRequest:
				return refuse(fmt.Errorf("refund %s: %w: key %q was first sent as %s (refund %s), now as %s",
					r.ID, ErrKeyReused, r.IdempotencyKey, first.KeyRequest, first.ID, r.KeyRequest))
			case found:
				out = first // the same request again: its refund, nothing new
				return nil
			}
		}
		if tx.Bucket(bRefunds).Get([]byte(r.ID)) != nil {
			return refuse(fmt.Errorf("refund %s: %w; give each refund a new id", r.ID, ErrExists))
		}
		p, err := getPayment(tx, r.PaymentID)
		if err != nil {
			return refuse(fmt.Errorf("refund %s: %w", r.ID, err))
		}
		if p.State != Approved {
			return refuse(fmt.Errorf("refund %s of payment %s: %w: it is %s; only an approved payment can be refunded",
				r.ID, p.ID, ErrNotRefundable, p.State))
		}
		owed, err := refundsHeld(tx, p.ID)
		if err != nil {
			return refuse(err)
		}
		if owed+r.Amount > p.Amount {
			return refuse(fmt.Errorf("refund %s of %d TWD: %w: payment %s was %d TWD and refunds of %d TWD are already succeeded or in progress; at most %d TWD is left",
				r.ID, r.Amount, ErrRefundExceeds, p.ID, p.Amount, owed, p.Amount-owed))
		}
		if err := tx.Bucket(bRefunds).Put([]byte(r.ID), rec); err != nil {
			return err
		}
		if err := tx.Bucket(ixRefPay).Put(refundPayKey(&r), nil); err != nil {
			return err
		}
		if err := tx.Bucket(ixRefOpen).Put(refundOpenKey(&r), nil); err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			if err := tx.Bucket(ixRefKey).Put(refundKeyKey(&r), nil); err != nil {
				return err
			}
		}
		out, err = decodeRefund(rec)
		return err
	})
	if err = j.settleWriteError(err, bRefunds, []byte(r.ID), rec); err != nil {
		return Refund{}, err
	}
	return out, nil
}

// refundsHeld sums the refunds of a payment that have not failed.
func refundsHeld(tx *bolt.Tx, paymentID string) (int64, error) {
	var sum int64
	err := eachPrefix(tx.Bucket(ixRefPay), seg(nil, paymentID), func(k []byte) error {
		r, err := getRefund(tx, keyID(k, layoutRefPay))
		if err != nil {
			return err
		}
		if r.State != RefundFailed {
			sum += r.Amount
		}
		return nil
	})
	return sum, err
}

// TransitionRefund moves refund id from one of t.From to t.To in one
// transaction. On a move to RefundSucceeded the payment's RefundedAmount
// grows by the refund's amount and, once it reaches the payment's amount,
// the payment moves Approved → Refunded in the same transaction. It returns
// the refund and its payment as committed, or *RefundStateError.
func (j *Journal) TransitionRefund(id string, t RefundTransition) (Refund, Payment, error) {
	if id == "" || len(t.From) == 0 {
		return Refund{}, Payment{}, fmt.Errorf("%w: refund transition needs an id and From states", ErrInvalid)
	}
	for _, s := range append([]RefundState{t.To}, t.From...) {
		if !slices.Contains(refundStates, s) {
			return Refund{}, Payment{}, fmt.Errorf("%w: refund %s transition names unknown state %q", ErrInvalid, id, s)
		}
	}
	if len(t.Hooks) > 0 && t.To != RefundSucceeded {
		return Refund{}, Payment{}, fmt.Errorf("%w: refund %s: hooks are for the receipt of a succeeded refund, not %s", ErrInvalid, id, t.To)
	}
	for _, h := range t.Hooks {
		if h == "" || len(h) > maxField {
			return Refund{}, Payment{}, fmt.Errorf("%w: refund %s names an empty or overlong hook; use the hook's configured name", ErrInvalid, id)
		}
	}
	now := j.now()
	var outR Refund
	var outP Payment
	var wrote []byte
	err := j.write(func(tx *bolt.Tx) error {
		outR, outP, wrote = Refund{}, Payment{}, nil
		r, err := getRefund(tx, id)
		if err != nil {
			return refuse(err)
		}
		if !slices.Contains(t.From, r.State) {
			return refuse(&RefundStateError{ID: id, Want: slices.Clone(t.From), Got: r.State})
		}
		if r.State.Final() && t.To != r.State {
			// A finished refund stays finished: moving it again would book
			// its amount twice or free an amount that was paid out.
			return refuse(fmt.Errorf("%w: refund %s is %s and cannot become %s; create a new refund instead", ErrInvalid, id, r.State, t.To))
		}
		old := r
		if t.Mutate != nil {
			if err := t.Mutate(&r); err != nil {
				return refuse(fmt.Errorf("refund %s %s→%s: %w", id, old.State, t.To, err))
			}
			if r.ID != old.ID || r.PaymentID != old.PaymentID || r.Amount != old.Amount ||
				!r.CreatedAt.Equal(old.CreatedAt) || r.State != old.State {
				return refuse(fmt.Errorf("%w: Mutate of refund %s changed its id, payment, amount, creation time or state", ErrInvalid, id))
			}
		}
		p, err := getPayment(tx, r.PaymentID)
		if err != nil {
			return refuse(fmt.Errorf("refund %s: %w", id, err))
		}
		if r.State != t.To {
			r.State = t.To
			r.History = append(r.History, RefundChange{State: t.To, At: now, Reason: t.Reason})
			if t.To == RefundSucceeded {
				if err := refundSucceeded(tx, &p, &r, now); err != nil {
					return err
				}
			}
		}
		r.UpdatedAt = now
		rec, err := putRefund(tx, &r)
		if err != nil {
			return err
		}
		if r.State.Final() && !old.State.Final() {
			if err := tx.Bucket(ixRefOpen).Delete(refundOpenKey(&r)); err != nil {
				return err
			}
		}
		for _, h := range t.Hooks {
			d := Delivery{ID: id + "/" + string(Refunded) + "/" + h, PaymentID: r.PaymentID, RefundID: id,
				State: Refunded, Hook: h, NextTry: now, CreatedAt: now}
			if err := enqueueDelivery(tx, &d); err != nil {
				return err
			}
		}
		// Return the stored forms, so they equal what a later Get returns.
		wrote = rec
		if outR, err = decodeRefund(rec); err != nil {
			return err
		}
		outP, err = getPayment(tx, r.PaymentID)
		return err
	})
	if err = j.settleWriteError(err, bRefunds, []byte(id), wrote); err != nil {
		return Refund{}, Payment{}, err
	}
	return outR, outP, nil
}

// refundSucceeded books a succeeded refund on its payment.
func refundSucceeded(tx *bolt.Tx, p *Payment, r *Refund, now time.Time) error {
	oldState := stateKey(p)
	p.RefundedAmount += r.Amount
	p.UpdatedAt = now
	if p.RefundedAmount >= p.Amount && p.State == Approved {
		p.State = Refunded
		p.History = append(p.History, Change{State: Refunded, At: now, Reason: "refunded in full by refund " + r.ID})
		if err := tx.Bucket(ixState).Delete(oldState); err != nil {
			return err
		}
		if err := tx.Bucket(ixState).Put(stateKey(p), nil); err != nil {
			return err
		}
	}
	_, err := putPayment(tx, p)
	return err
}

// Refunds returns the refunds of a payment, oldest first.
func (j *Journal) Refunds(paymentID string) ([]Refund, error) {
	var out []Refund
	err := j.read(func(tx *bolt.Tx) error {
		return eachPrefix(tx.Bucket(ixRefPay), seg(nil, paymentID), func(k []byte) error {
			r, err := getRefund(tx, keyID(k, layoutRefPay))
			out = append(out, r)
			return err
		})
	})
	return out, err
}

// PendingRefunds returns every refund not yet succeeded or failed, oldest
// first.
func (j *Journal) PendingRefunds() ([]Refund, error) {
	var out []Refund
	err := j.read(func(tx *bolt.Tx) error {
		return eachPrefix(tx.Bucket(ixRefOpen), nil, func(k []byte) error {
			r, err := getRefund(tx, keyID(k, layoutRefOpen))
			out = append(out, r)
			return err
		})
	})
	return out, err
}

// GetRefund returns the refund with id, or an error wrapping ErrNotFound.
func (j *Journal) GetRefund(id string) (Refund, error) {
	var r Refund
	err := j.read(func(tx *bolt.Tx) (err error) {
		r, err = getRefund(tx, id)
		return err
	})
	return r, err
}

func getRefund(tx *bolt.Tx, id string) (Refund, error) {
	b := tx.Bucket(bRefunds).Get([]byte(id))
	if b == nil {
		return Refund{}, fmt.Errorf("refund %q: %w", id, ErrNotFound)
	}
	r, err := decodeRefund(b)
	if err != nil {
		return Refund{}, fmt.Errorf("refund %q: %w", id, err)
	}
	return r, nil
}

func putRefund(tx *bolt.Tx, r *Refund) ([]byte, error) {
	rec, err := encodeRecord(r)
	if err != nil {
		return nil, fmt.Errorf("encode refund %s: %w", r.ID, err)
	}
	return rec, tx.Bucket(bRefunds).Put([]byte(r.ID), rec)
}

func deleteRefund(tx *bolt.Tx, r *Refund) error {
	if err := tx.Bucket(bRefunds).Delete([]byte(r.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(ixRefPay).Delete(refundPayKey(r)); err != nil {
		return err
	}
	if r.IdempotencyKey != "" {
		if err := tx.Bucket(ixRefKey).Delete(refundKeyKey(r)); err != nil {
			return err
		}
	}
	return tx.Bucket(ixRefOpen).Delete(refundOpenKey(r))
}

// RefundByKey returns the refund created with idempotency key, if any.
func (j *Journal) RefundByKey(key string) (Refund, bool, error) {
	var out Refund
	var found bool
	err := j.read(func(tx *bolt.Tx) error {
		var err error
		out, found, err = refundByKey(tx, key)
		return err
	})
	return out, found, err
}

func refundByKey(tx *bolt.Tx, key string) (Refund, bool, error) {
	var out Refund
	found := false
	err := eachPrefix(tx.Bucket(ixRefKey), seg(nil, key), func(k []byte) error {
		r, err := getRefund(tx, keyID(k, layoutRefKey))
		if err != nil {
			return err
		}
		out, found = r, true
		return errStop
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, found, err
}
