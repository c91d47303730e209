package store

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxLastError bounds a delivery's stored error text.
const maxLastError = 1024

// enqueueDelivery adds d unless a delivery with its id is already owed:
// the id is the idempotency key, so a repeated enqueue is one receipt.
func enqueueDelivery(tx *bolt.Tx, d *Delivery) error {
	b := tx.Bucket(bDeliver)
	if b.Get([]byte(d.ID)) != nil {
		return nil
	}
	if err := putDelivery(tx, d); err != nil {
		return err
	}
	if err := tx.Bucket(ixDelDue).Put(deliveryDueKey(d), nil); err != nil {
		return err
	}
	return tx.Bucket(ixDelPay).Put(deliveryPayKey(d), nil)
}

// DueDeliveries returns up to limit deliveries whose NextTry is at or
// before now, oldest first (limit <= 0: all).
func (j *Journal) DueDeliveries(now time.Time, limit int) ([]Delivery, error) {
	end := stamp(nil, now)
	return j.dueIndex((*bolt.Cursor).First, (*bolt.Cursor).Next, func(k []byte) bool { return bytes.Compare(k[:8], end) <= 0 }, limit)
}

// dueIndex collects up to limit deliveries (0: all) along the next-try
// index, from first on by step, while in(key).
func (j *Journal) dueIndex(first, step func(*bolt.Cursor) ([]byte, []byte), in func([]byte) bool, limit int) ([]Delivery, error) {
	var out []Delivery
	err := j.read(func(tx *bolt.Tx) error {
		c := tx.Bucket(ixDelDue).Cursor()
		for k, _ := first(c); k != nil && in(k); k, _ = step(c) {
			if limit > 0 && len(out) >= limit {
				return nil
			}
			d, err := getDelivery(tx, keyID(k, layoutDelDue))
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// PendingDeliveries returns every delivery still owed, soonest first.
func (j *Journal) PendingDeliveries() ([]Delivery, error) {
	var out []Delivery
	err := j.read(func(tx *bolt.Tx) error {
		return eachPrefix(tx.Bucket(ixDelDue), nil, func(k []byte) error {
			d, err := getDelivery(tx, keyID(k, layoutDelDue))
			out = append(out, d)
			return err
		})
	})
	return out, err
}

// DeliveryDone removes a delivered receipt from the outbox. A delivery
// already done (or pruned) gives an error wrapping ErrNotFound.
func (j *Journal) DeliveryDone(id string) error {
	return j.write(func(tx *bolt.Tx) error {
		d, err := getDelivery(tx, id)
		if err != nil {
			return refuse(err)
		}
		return deleteDelivery(tx, &d)
	})
}

// DeliveryFailed records a failed attempt: Attempts grows by one, the
// delivery is due again at next, and lastErr (which the caller has
// already masked) is kept for `scanpay` diagnostics.
func (j *Journal) DeliveryFailed(id string, next time.Time, lastErr string) error {
	if next.IsZero() {
		return fmt.Errorf("%w: delivery %s failed without a next try time; pass when to retry", ErrInvalid, id)
	}
	if len(lastErr) > maxLastError {
		lastErr = strings.ToValidUTF8(lastErr[:maxLastError], "")
	}
	return j.write(func(tx *bolt.Tx) error {
		d, err := getDelivery(tx, id)
		if err != nil {
			return refuse(err)
		}
		if err := tx.Bucket(ixDelDue).Delete(deliveryDueKey(&d)); err != nil {
			return err
		}
		d.Attempts++
		d.NextTry = next
		d.LastError = lastErr
		if err := putDelivery(tx, &d); err != nil {
			return err
		}
		return tx.Bucket(ixDelDue).Put(deliveryDueKey(&d), nil)
	})
}

func getDelivery(tx *bolt.Tx, id string) (Delivery, error) {
	b := tx.Bucket(bDeliver).Get([]byte(id))
	if b == nil {
		return Delivery{}, fmt.Errorf("delivery %q: %w", id, ErrNotFound)
	}
	d, err := decodeDelivery(b)
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %q: %w", id, err)
	}
	return d, nil
}

func putDelivery(tx *bolt.Tx, d *Delivery) error {
	rec, err := encodeRecord(d)
	if err != nil {
		return fmt.Errorf("encode delivery %s: %w", d.ID, err)
	}
	return tx.Bucket(bDeliver).Put([]byte(d.ID), rec)
}

func deleteDelivery(tx *bolt.Tx, d *Delivery) error {
	if err := tx.Bucket(bDeliver).Delete([]byte(d.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(ixDelDue).Delete(deliveryDueKey(d)); err != nil {
		return err
	}
	return tx.Bucket(ixDelPay).Delete(deliveryPayKey(d))
}

// DeliveriesAfter returns up to limit deliveries (0: all) whose next try
// is later than after, latest first: with after = now + the longest
// retry pause, those were scheduled before the clock went back.
func (j *Journal) DeliveriesAfter(after time.Time, limit int) ([]Delivery, error) {
	start := stamp(nil, after)
	return j.dueIndex((*bolt.Cursor).Last, (*bolt.Cursor).Prev, func(k []byte) bool { return bytes.Compare(k[:8], start) > 0 }, limit)
}
