package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. Records live in the first three; every other bucket is an
// index whose keys carry all the information and whose values are empty.
var (
	bMeta      = []byte("meta")
	bPayments  = []byte("payments")   // id → record
	bRefunds   = []byte("refunds")    // id → record
	bDeliver   = []byte("deliveries") // id → record
	ixState    = []byte("ix_state")   // state, created, id: every payment, so InState and Pending never scan
	ixOrder    = []byte("ix_order")   // terminal, order, created, id
	ixCreated  = []byte("ix_created") // created, id
	ixRefPay   = []byte("ix_refund_payment")
	ixRefOpen  = []byte("ix_refund_pending")   // created, id of non-final refunds
	ixDelDue   = []byte("ix_delivery_due")     // next try, id
	ixDelPay   = []byte("ix_delivery_payment") // payment id, delivery id
	ixRefKey   = []byte("ix_refund_key")       // idempotency key, refund id
	allBuckets = [][]byte{bMeta, bPayments, bRefunds, bDeliver, ixState, ixOrder, ixCreated, ixRefPay, ixRefOpen, ixDelDue, ixDelPay, ixRefKey}
	keyVersion = []byte("journal_version")
)

// journalVersion is the layout of buckets and index keys. Records carry
// their own version byte (codec.go).
const journalVersion = 1

func initBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bMeta)
	if v := meta.Get(keyVersion); v != nil {
		if len(v) != 1 || v[0] > journalVersion {
			return fmt.Errorf("%w: journal layout version %v was written by a newer scanpay; upgrade scanpay to open it", ErrInvalid, v)
		}
		return nil
	}
	return meta.Put(keyVersion, []byte{journalVersion})
}

// maxField bounds ids, terminal ids and order numbers: they become parts of
// index keys, and bbolt keys are limited.
const maxField = 512

// seg appends s with a two-byte length in front, so that one field can
// never be mistaken for the prefix of another.
func seg(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// stamp appends t so that byte order is time order, including times
// before 1970.
func stamp(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixNano())^(1<<63))
}

func unstamp(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63)))
}

// readSeg returns the length-prefixed field at the front of b and the rest.
func readSeg(b []byte) (string, []byte, bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}

func stateKey(p *Payment) []byte {
	return seg(stamp(seg(nil, string(p.State)), p.CreatedAt), p.ID)
}

func orderPrefix(terminalID, orderNumber string) []byte {
	return seg(seg(nil, terminalID), orderNumber)
}

func orderKey(p *Payment) []byte {
	return seg(stamp(orderPrefix(p.TerminalID, p.OrderNumber), p.CreatedAt), p.ID)
}

func createdKey(p *Payment) []byte { return seg(stamp(nil, p.CreatedAt), p.ID) }

func refundPayKey(r *Refund) []byte {
	return seg(stamp(seg(nil, r.PaymentID), r.CreatedAt), r.ID)
}

func refundOpenKey(r *Refund) []byte { return seg(stamp(nil, r.CreatedAt), r.ID) }

func refundKeyKey(r *Refund) []byte { return seg(seg(nil, r.IdempotencyKey), r.ID) }

func deliveryDueKey(d *Delivery) []byte { return seg(stamp(nil, d.NextTry), d.ID) }

func deliveryPayKey(d *Delivery) []byte { return seg(seg(nil, d.PaymentID), d.ID) }

// Key layouts, for splitKey: 's' is a length-prefixed field, 't' a stamp.
const (
	layoutState   = "sts"
	layoutOrder   = "ssts"
	layoutCreated = "ts"
	layoutRefPay  = "sts"
	layoutRefOpen = "ts"
	layoutDelDue  = "ts"
	layoutDelPay  = "ss"
	layoutRefKey  = "ss"
)

// splitKey parses an index key of the given layout; the id is always the
// last field.
func splitKey(k []byte, layout string) ([]string, bool) {
	out := make([]string, 0, len(layout))
	for _, c := range layout {
		switch c {
		case 's':
			f, rest, ok := readSeg(k)
			if !ok {
				return nil, false
			}
			out, k = append(out, f), rest
		case 't':
			if len(k) < 8 {
				return nil, false
			}
			out, k = append(out, string(k[:8])), k[8:]
		}
	}
	return out, len(k) == 0
}

// keyID is the id at the end of an index key, or "" if the key is malformed.
func keyID(k []byte, layout string) string {
	f, ok := splitKey(k, layout)
	if !ok {
		return ""
	}
	return f[len(f)-1]
}

// eachPrefix calls fn for every key with prefix, ascending.
func eachPrefix(b *bolt.Bucket, prefix []byte, fn func(k []byte) error) error {
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// eachPrefixReverse calls fn for every key with prefix, descending.
func eachPrefixReverse(b *bolt.Bucket, prefix []byte, fn func(k []byte) (bool, error)) error {
	c := b.Cursor()
	// Seek to the first key after the prefix range, then step back.
	end := prefixEnd(prefix)
	var k []byte
	if end == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		more, err := fn(k)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// prefixEnd is the smallest key greater than every key with prefix, or nil
// if there is none (empty prefix or all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
