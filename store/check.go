package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxProblems bounds what Check reports: the first few problems say
// enough, and a badly damaged file could have millions.
const maxProblems = 20

// Check verifies the journal: bbolt's own page check, then that every
// record decodes, every index entry points at a record that agrees with
// it, every record has exactly its index entries, and the journal's
// invariants hold (one payment per order that may take money, no FullCode on a final
// payment, history ends in the current state, refunds within the amount).
// It reads the whole file: for tests and `scanpay` diagnostics, not for
// the payment path.
func (j *Journal) Check() error {
	var problems []error
	add := func(format string, args ...any) bool {
		problems = append(problems, fmt.Errorf(format, args...))
		return len(problems) < maxProblems
	}
	err := j.read(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			if !add("bbolt: %w", err) {
				return nil
			}
		}
		c := &checker{tx: tx, add: add}
		c.run()
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("journal %s is inconsistent (restore from a backup, or send it to support): %w", j.path, errors.Join(problems...))
	}
	return nil
}

type checker struct {
	tx  *bolt.Tx
	add func(string, ...any) bool
}

// want collects the index keys the records call for, per bucket.
type wantKeys map[string]map[string]bool

func (w wantKeys) put(bucket []byte, key []byte) {
	m := w[string(bucket)]
	if m == nil {
		m = map[string]bool{}
		w[string(bucket)] = m
	}
	m[string(key)] = true
}

func (c *checker) run() {
	want := wantKeys{}
	payments := map[string]Payment{}
	openOrders := map[string]string{}
	_ = c.tx.Bucket(bPayments).ForEach(func(k, v []byte) error {
		p, err := decodePayment(v)
		if err != nil {
			c.add("payment %q: %w", k, err)
			return nil
		}
		if p.ID != string(k) {
			c.add("payment stored under %q has id %q", k, p.ID)
		}
		payments[p.ID] = p
		want.put(ixState, stateKey(&p))
		want.put(ixOrder, orderKey(&p))
		want.put(ixCreated, createdKey(&p))
		if !p.State.Valid() {
			c.add("payment %s has unknown state %q", p.ID, p.State)
		}
		if p.State.Final() && p.FullCode != "" {
			c.add("payment %s is %s but still holds its full code", p.ID, p.State)
		}
		if n := len(p.History); n == 0 || p.History[n-1].State != p.State {
			c.add("payment %s is %s but its history does not end there", p.ID, p.State)
		}
		if taking(p.State) {
			o := string(orderPrefix(p.TerminalID, p.OrderNumber))
			if other, dup := openOrders[o]; dup {
				c.add("payments %s and %s may both take money for lane %s order %s", other, p.ID, p.TerminalID, p.OrderNumber)
			}
			openOrders[o] = p.ID
		}
		return nil
	})
	held := map[string]int64{}
	succeeded := map[string]int64{}
	_ = c.tx.Bucket(bRefunds).ForEach(func(k, v []byte) error {
		r, err := decodeRefund(v)
		if err != nil {
			c.add("refund %q: %w", k, err)
			return nil
		}
		if r.ID != string(k) {
			c.add("refund stored under %q has id %q", k, r.ID)
		}
		if _, ok := payments[r.PaymentID]; !ok {
			c.add("refund %s belongs to missing payment %s", r.ID, r.PaymentID)
		}
		want.put(ixRefPay, refundPayKey(&r))
		if r.IdempotencyKey != "" {
			want.put(ixRefKey, refundKeyKey(&r))
		}
		if !r.State.Final() {
			want.put(ixRefOpen, refundOpenKey(&r))
		}
		if n := len(r.History); n == 0 || r.History[n-1].State != r.State {
			c.add("refund %s is %s but its history does not end there", r.ID, r.State)
		}
		if r.State != RefundFailed {
			held[r.PaymentID] += r.Amount
		}
		if r.State == RefundSucceeded {
			succeeded[r.PaymentID] += r.Amount
		}
		return nil
	})
	for id, p := range payments {
		if held[id] > p.Amount {
			c.add("payment %s of %d TWD has %d TWD of refunds", id, p.Amount, held[id])
		}
		if succeeded[id] != p.RefundedAmount {
			c.add("payment %s says %d TWD refunded, its refunds say %d", id, p.RefundedAmount, succeeded[id])
		}
	}
	_ = c.tx.Bucket(bDeliver).ForEach(func(k, v []byte) error {
		d, err := decodeDelivery(v)
		if err != nil {
			c.add("delivery %q: %w", k, err)
			return nil
		}
		if d.ID != string(k) {
			c.add("delivery stored under %q has id %q", k, d.ID)
		}
		if _, ok := payments[d.PaymentID]; !ok {
			c.add("delivery %s belongs to missing payment %s", d.ID, d.PaymentID)
		}
		want.put(ixDelDue, deliveryDueKey(&d))
		want.put(ixDelPay, deliveryPayKey(&d))
		return nil
	})
	for _, ix := range [][]byte{ixState, ixOrder, ixCreated, ixRefPay, ixRefOpen, ixDelDue, ixDelPay, ixRefKey} {
		w := want[string(ix)]
		seen := 0
		_ = c.tx.Bucket(ix).ForEach(func(k, _ []byte) error {
			if !w[string(k)] {
				c.add("index %s has entry %x that no record calls for", ix, k)
				return nil
			}
			seen++
			return nil
		})
		if seen != len(w) {
			c.add("index %s misses %d entries its records call for", ix, len(w)-seen)
		}
	}
}
