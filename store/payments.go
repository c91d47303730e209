package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Transition is one compare-and-set move of a payment.
type Transition struct {
	From   []State // CAS: the current state must be one of these
	To     State
	Reason string // goes into History
	// Mutate, if set, edits the payment inside the transaction. It must be
	// deterministic and touch nothing outside the payment: a batched commit
	// may run it more than once. It must not change ID, TerminalID,
	// OrderNumber, CreatedAt or State.
	Mutate func(*Payment) error
	// Hooks names receipt hooks: one Delivery per name is enqueued for
	// (payment, To) in the same transaction.
	Hooks []string
}

// Create journals a new payment, or returns the payment already in
// progress for the same lane and order.
//
// p.ID is set by the caller. If a non-final or an approved payment exists
// for (TerminalID, OrderNumber) it is returned with false and nothing is
// written (one that may still take money first, then an approved one, then
// one being reversed): an approved order is never charged again, whatever
// the caller read before this transaction. Otherwise p is stored (State must be AwaitingScan or Queued),
// CreatedAt/UpdatedAt are stamped if zero, the first History entry is
// appended, and the stored payment is returned with true.
func (j *Journal) Create(p Payment) (Payment, bool, error) {
	if err := validatePayment(&p); err != nil {
		return Payment{}, false, err
	}
	now := j.now()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	p.History = append(slices.Clone(p.History), Change{State: p.State, At: p.UpdatedAt, Reason: "created"})
	rec, err := encodeRecord(&p)
	if err != nil {
		return Payment{}, false, fmt.Errorf("encode payment %s: %w", p.ID, err)
	}
	var out Payment
	var created bool
	err = j.write(func(tx *bolt.Tx) error {
		out, created = Payment{}, false
		open, found, err := holderOfOrder(tx, p.TerminalID, p.OrderNumber, "")
		if err != nil {
			return refuse(err)
		}
		if found {
			out = open
			return nil
		}
		if tx.Bucket(bPayments).Get([]byte(p.ID)) != nil {
			return refuse(fmt.Errorf("payment %s: %w; give each payment a new id", p.ID, ErrExists))
		}
		if err := tx.Bucket(bPayments).Put([]byte(p.ID), rec); err != nil {
			return err
		}
		if err := putPaymentIndexes(tx, &p); err != nil {
			return err
		}
		// Decode what was written so the caller gets exactly the stored form.
		out, err = decodePayment(rec)
		created = true
		return err
	})
	if err = j.settleWriteError(err, bPayments, []byte(p.ID), rec); err != nil {
		return Payment{}, false, err
	}
	return out, created, nil
}

func validatePayment(p *Payment) error {
	switch {
	case p.ID == "":
		return fmt.Errorf("%w: payment has no id; the engine must set one", ErrInvalid)
	case p.TerminalID == "":
		return fmt.Errorf("%w: payment %s has no terminal_id; the POS must name its lane", ErrInvalid, p.ID)
	case p.OrderNumber == "":
		return fmt.Errorf("%w: payment %s has no order_number; the POS must send one", ErrInvalid, p.ID)
	case len(p.ID) > maxField || len(p.TerminalID) > maxField || len(p.OrderNumber) > maxField:
		return fmt.Errorf("%w: payment id, terminal_id and order_number must be at most %d bytes", ErrInvalid, maxField)
	case p.Amount <= 0:
		return fmt.Errorf("%w: payment %s amount is %d; it must be a positive number of TWD", ErrInvalid, p.ID, p.Amount)
	case p.Undiscount < 0 || p.Undiscount > p.Amount:
		return fmt.Errorf("%w: payment %s undiscountable_amount %d must be between 0 and the amount %d", ErrInvalid, p.ID, p.Undiscount, p.Amount)
	case p.State != AwaitingScan && p.State != Queued:
		return fmt.Errorf("%w: payment %s is created as %q; a new payment is %s or %s", ErrInvalid, p.ID, p.State, AwaitingScan, Queued)
	}
	return nil
}

// taking reports whether a payment in s may still take the customer's
// money: at most one payment per (lane, order) is ever in these states.
// Reversing is open too, but gives money back, so it must never be blocked.
func taking(s State) bool {
	switch s {
	case AwaitingScan, Queued, InFlight, Unknown:
		return true
	}
	return false
}

// holderOfOrder finds the payment of (terminal, order) other than except
// that stops another one from taking the order's money, if any: one that
// may still take money, else one approved, else one being reversed (the
// oldest of its kind). Its lookups go through the order index only.
func holderOfOrder(tx *bolt.Tx, terminalID, orderNumber, except string) (Payment, bool, error) {
	var out Payment
	rank := 0 // of out: 3 taking, 2 approved, 1 another non-final
	err := eachPrefix(tx.Bucket(ixOrder), orderPrefix(terminalID, orderNumber), func(k []byte) error {
		id := keyID(k, layoutOrder)
		if id == except {
			return nil
		}
		p, err := getPayment(tx, id)
		if err != nil {
			return err
		}
		r := 0
		switch {
		case taking(p.State):
			r = 3
		case p.State == Approved:
			r = 2
		case !p.State.Final():
			r = 1
		}
		if r > rank {
			out, rank = p, r
		}
		if rank == 3 {
			return errStop
		}
		return nil
	})
	found := rank > 0
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, found, err
}

var errStop = errors.New("stop")

// Transition moves payment id from one of t.From to t.To in one
// transaction: the record, its indexes, its history and its hook
// deliveries change together. It returns *StateError if the payment was
// not in t.From, and ErrRefundInProgress for a move out of Approved while a
// refund of the payment is not final. From containing To with the payment already in To is a
// "touch": Mutate runs, no history entry is added.
func (j *Journal) Transition(id string, t Transition) (Payment, error) {
	if err := validateTransition(id, t); err != nil {
		return Payment{}, err
	}
	now := j.now()
	var out Payment
	var wrote []byte
	err := j.write(func(tx *bolt.Tx) error {
		out, wrote = Payment{}, nil
		p, err := getPayment(tx, id)
		if err != nil {
			return refuse(err)
		}
		if !slices.Contains(t.From, p.State) {
			return refuse(&StateError{ID: id, Want: slices.Clone(t.From), Got: p.State})
		}
		if p.State == Approved && t.To != Approved {
			// A running refund may still give money back: reversing (or
			// any other move) beside it could give back more than remains.
			r, open, err := openRefund(tx, id)
			if err != nil {
				return refuse(err)
			}
			if open {
				return refuse(fmt.Errorf("payment %s cannot go from %s to %s: %w: refund %s is %s; wait until it is settled, then try again",
					id, p.State, t.To, ErrRefundInProgress, r.ID, r.State))
			}
		}
		if taking(t.To) && !taking(p.State) {
			// Back into a money-taking state: only if the order has no
			// other open or approved payment, or the customer could pay
			// twice.
			other, found, err := holderOfOrder(tx, p.TerminalID, p.OrderNumber, id)
			if err != nil {
				return refuse(err)
			}
			if found {
				return refuse(fmt.Errorf("payment %s cannot go from %s to %s: %w: payment %s (%s) holds lane %s order %s; finish that one first",
					id, p.State, t.To, ErrExists, other.ID, other.State, p.TerminalID, p.OrderNumber))
			}
		}
		old := p
		oldState := stateKey(&old)
		if t.Mutate != nil {
			if err := t.Mutate(&p); err != nil {
				return refuse(fmt.Errorf("payment %s %s→%s: %w", id, old.State, t.To, err))
			}
			if err := sameIdentity(&old, &p); err != nil {
				return refuse(err)
			}
		}
		if p.State != t.To {
			p.State = t.To
			p.History = append(p.History, Change{State: t.To, At: now, Reason: t.Reason})
		}
		p.UpdatedAt = now
		if p.State.Final() {
			p.FullCode = ""
		}
		rec, err := putPayment(tx, &p)
		if err != nil {
			return err
		}
		if newState := stateKey(&p); !bytes.Equal(oldState, newState) {
			ix := tx.Bucket(ixState)
			if err := ix.Delete(oldState); err != nil {
				return err
			}
			if err := ix.Put(newState, nil); err != nil {
				return err
			}
		}
		for _, h := range t.Hooks {
			d := Delivery{ID: id + "/" + string(t.To) + "/" + h, PaymentID: id, State: t.To, Hook: h, NextTry: now, CreatedAt: now}
			if err := enqueueDelivery(tx, &d); err != nil {
				return err
			}
		}
		// Return the stored form, so it equals what a later Get returns.
		wrote = rec
		out, err = decodePayment(rec)
		return err
	})
	if err = j.settleWriteError(err, bPayments, []byte(id), wrote); err != nil {
		return Payment{}, err
	}
	return out, nil
}

func validateTransition(id string, t Transition) error {
	if id == "" {
		return fmt.Errorf("%w: transition of a payment without id", ErrInvalid)
	}
	if len(t.From) == 0 {
		return fmt.Errorf("%w: transition of payment %s to %s names no From state; name the states it may leave", ErrInvalid, id, t.To)
	}
	for _, s := range append([]State{t.To}, t.From...) {
		if !s.Valid() {
			return fmt.Errorf("%w: transition of payment %s names unknown state %q", ErrInvalid, id, s)
		}
	}
	for _, h := range t.Hooks {
		if h == "" || len(h) > maxField {
			return fmt.Errorf("%w: transition of payment %s names an empty or overlong hook; use the hook's configured name", ErrInvalid, id)
		}
	}
	return nil
}

// sameIdentity refuses a Mutate that changed what the indexes are built
// from.
func sameIdentity(old, p *Payment) error {
	if p.ID != old.ID || p.TerminalID != old.TerminalID || p.OrderNumber != old.OrderNumber ||
		!p.CreatedAt.Equal(old.CreatedAt) || p.State != old.State {
		return fmt.Errorf("%w: Mutate of payment %s changed its id, lane, order, creation time or state; set the state through Transition.To", ErrInvalid, old.ID)
	}
	return nil
}

// Get returns the payment with id, or an error wrapping ErrNotFound.
func (j *Journal) Get(id string) (Payment, error) {
	var p Payment
	err := j.read(func(tx *bolt.Tx) (err error) {
		p, err = getPayment(tx, id)
		return err
	})
	return p, err
}

func getPayment(tx *bolt.Tx, id string) (Payment, error) {
	b := tx.Bucket(bPayments).Get([]byte(id))
	if b == nil {
		return Payment{}, fmt.Errorf("payment %q: %w", id, ErrNotFound)
	}
	p, err := decodePayment(b)
	if err != nil {
		return Payment{}, fmt.Errorf("payment %q: %w", id, err)
	}
	return p, nil
}

// putPayment writes the record only; indexes are the caller's business.
// It returns the bytes written.
func putPayment(tx *bolt.Tx, p *Payment) ([]byte, error) {
	rec, err := encodeRecord(p)
	if err != nil {
		return nil, fmt.Errorf("encode payment %s: %w", p.ID, err)
	}
	return rec, tx.Bucket(bPayments).Put([]byte(p.ID), rec)
}

func putPaymentIndexes(tx *bolt.Tx, p *Payment) error {
	if err := tx.Bucket(ixState).Put(stateKey(p), nil); err != nil {
		return err
	}
	if err := tx.Bucket(ixOrder).Put(orderKey(p), nil); err != nil {
		return err
	}
	return tx.Bucket(ixCreated).Put(createdKey(p), nil)
}

// FindOrder returns every payment of (terminalID, orderNumber), newest
// first.
func (j *Journal) FindOrder(terminalID, orderNumber string) ([]Payment, error) {
	var out []Payment
	err := j.read(func(tx *bolt.Tx) error {
		return eachPrefixReverse(tx.Bucket(ixOrder), orderPrefix(terminalID, orderNumber), func(k []byte) (bool, error) {
			p, err := getPayment(tx, keyID(k, layoutOrder))
			out = append(out, p)
			return true, err
		})
	})
	return out, err
}

// InState returns the payments in state s, oldest first.
func (j *Journal) InState(s State) ([]Payment, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("%w: unknown state %q", ErrInvalid, s)
	}
	var out []Payment
	err := j.read(func(tx *bolt.Tx) (err error) {
		out, err = inState(tx, s, out)
		return err
	})
	return out, err
}

func inState(tx *bolt.Tx, s State, out []Payment) ([]Payment, error) {
	err := eachPrefix(tx.Bucket(ixState), seg(nil, string(s)), func(k []byte) error {
		p, err := getPayment(tx, keyID(k, layoutState))
		out = append(out, p)
		return err
	})
	return out, err
}

// Pending returns every non-final payment (the outbox), oldest first.
func (j *Journal) Pending() ([]Payment, error) {
	var out []Payment
	err := j.read(func(tx *bolt.Tx) error {
		for _, s := range States {
			if s.Final() {
				continue
			}
			var err error
			if out, err = inState(tx, s, out); err != nil {
				return err
			}
		}
		return nil
	})
	sort.SliceStable(out, func(a, b int) bool {
		if !out[a].CreatedAt.Equal(out[b].CreatedAt) {
			return out[a].CreatedAt.Before(out[b].CreatedAt)
		}
		return out[a].ID < out[b].ID
	})
	return out, err
}

// PendingPage is how many payments EachPending reads in one transaction.
const PendingPage = 256

// EachPending calls fn for every non-final payment, state by state (in
// the order of States) and oldest first within a state, reading at most
// page payments (<= 0: PendingPage) per read transaction and calling fn
// outside it: however many payments are open, no more than a page is in
// memory at once. A payment whose state changes meanwhile may be seen
// twice or not at all; whoever changed it acted on it.
func (j *Journal) EachPending(page int, fn func(Payment) error) error {
	if page <= 0 {
		page = PendingPage
	}
	for _, s := range States {
		if s.Final() {
			continue
		}
		prefix := seg(nil, string(s))
		var after []byte
		for {
			batch := make([]Payment, 0, page)
			err := j.read(func(tx *bolt.Tx) error {
				c := tx.Bucket(ixState).Cursor()
				k, _ := c.Seek(prefix)
				if after != nil {
					if k, _ = c.Seek(after); bytes.Equal(k, after) {
						k, _ = c.Next()
					}
				}
				for ; k != nil && bytes.HasPrefix(k, prefix) && len(batch) < page; k, _ = c.Next() {
					p, err := getPayment(tx, keyID(k, layoutState))
					if err != nil {
						return err
					}
					batch = append(batch, p)
					after = bytes.Clone(k)
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, p := range batch {
				if err := fn(p); err != nil {
					return err
				}
			}
			if len(batch) < page {
				break
			}
		}
	}
	return nil
}

// CountPending counts the non-final payments by state from the state
// index alone, decoding none.
func (j *Journal) CountPending() (map[State]int, error) {
	out := map[State]int{}
	err := j.read(func(tx *bolt.Tx) error {
		for _, s := range States {
			if s.Final() {
				continue
			}
			if err := eachPrefix(tx.Bucket(ixState), seg(nil, string(s)), func([]byte) error {
				out[s]++
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// Recent returns up to limit payments, newest first (limit <= 0: all).
func (j *Journal) Recent(limit int) ([]Payment, error) {
	var out []Payment
	err := j.read(func(tx *bolt.Tx) error {
		return eachPrefixReverse(tx.Bucket(ixCreated), nil, func(k []byte) (bool, error) {
			p, err := getPayment(tx, keyID(k, layoutCreated))
			out = append(out, p)
			return limit <= 0 || len(out) < limit, err
		})
	})
	return out, err
}

// CreatedBetween returns up to limit payments created in [from, to),
// oldest first (limit <= 0: all).
func (j *Journal) CreatedBetween(from, to time.Time, limit int) ([]Payment, error) {
	var out []Payment
	end := stamp(nil, to)
	err := j.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(ixCreated).Cursor()
		for k, _ := c.Seek(stamp(nil, from)); k != nil && bytes.Compare(k[:8], end) < 0; k, _ = c.Next() {
			if limit > 0 && len(out) >= limit {
				return nil
			}
			p, err := getPayment(tx, keyID(k, layoutCreated))
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// pruneChunk bounds one prune transaction, so a large prune does not hold
// the writer lock (and the lanes) for long.
const pruneChunk = 256

// Prune deletes final payments created before olderThan, with their
// refunds and deliveries. It never deletes a non-final payment, nor one
// with a refund still in progress. It returns how many payments it
// deleted.
func (j *Journal) Prune(olderThan time.Time) (int, error) {
	total := 0
	var after []byte // resume point: the last index key looked at
	limit := stamp(nil, olderThan)
	for {
		var n int
		var done bool
		err := j.db.Update(func(tx *bolt.Tx) error {
			n, done = 0, false
			var doomed []Payment
			c := tx.Bucket(ixCreated).Cursor()
			k, _ := c.Seek(after)
			if after != nil && bytes.Equal(k, after) {
				k, _ = c.Next()
			}
			for ; ; k, _ = c.Next() {
				if k == nil || bytes.Compare(k[:8], limit) >= 0 {
					done = true
					break
				}
				if len(doomed) >= pruneChunk {
					break
				}
				after = bytes.Clone(k)
				p, err := getPayment(tx, keyID(k, layoutCreated))
				if err != nil {
					return err
				}
				if !p.State.Final() {
					continue
				}
				open, err := hasOpenRefund(tx, p.ID)
				if err != nil {
					return err
				}
				if !open {
					doomed = append(doomed, p)
				}
			}
			for i := range doomed {
				if err := deletePayment(tx, &doomed[i]); err != nil {
					return err
				}
			}
			n = len(doomed)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune journal: %w", err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}

func hasOpenRefund(tx *bolt.Tx, paymentID string) (bool, error) {
	_, open, err := openRefund(tx, paymentID)
	return open, err
}

// openRefund returns a refund of the payment that is not final, if any
// (through the payment's refund index only).
func openRefund(tx *bolt.Tx, paymentID string) (Refund, bool, error) {
	var out Refund
	open := false
	err := eachPrefix(tx.Bucket(ixRefPay), seg(nil, paymentID), func(k []byte) error {
		r, err := getRefund(tx, keyID(k, layoutRefPay))
		if err != nil {
			return err
		}
		if !r.State.Final() {
			out, open = r, true
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, open, err
}

// deletePayment removes a payment, its indexes, refunds and deliveries.
func deletePayment(tx *bolt.Tx, p *Payment) error {
	var refunds, deliveries [][]byte
	if err := eachPrefix(tx.Bucket(ixRefPay), seg(nil, p.ID), func(k []byte) error {
		refunds = append(refunds, []byte(keyID(k, layoutRefPay)))
		return nil
	}); err != nil {
		return err
	}
	if err := eachPrefix(tx.Bucket(ixDelPay), seg(nil, p.ID), func(k []byte) error {
		deliveries = append(deliveries, []byte(keyID(k, layoutDelPay)))
		return nil
	}); err != nil {
		return err
	}
	for _, id := range refunds {
		r, err := getRefund(tx, string(id))
		if err != nil {
			return err
		}
		if err := deleteRefund(tx, &r); err != nil {
			return err
		}
	}
	for _, id := range deliveries {
		d, err := getDelivery(tx, string(id))
		if err != nil {
			return err
		}
		if err := deleteDelivery(tx, &d); err != nil {
			return err
		}
	}
	for _, del := range []struct {
		b []byte
		k []byte
	}{{bPayments, []byte(p.ID)}, {ixState, stateKey(p)}, {ixOrder, orderKey(p)}, {ixCreated, createdKey(p)}} {
		if err := tx.Bucket(del.b).Delete(del.k); err != nil {
			return err
		}
	}
	return nil
}
