package store

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzRecord is the property every record decoder keeps: bytes either
// decode, or are refused with ErrInvalid (never a panic, never another
// error); and what decodes re-encodes to a fixed point, so a record read
// and written back by a transition is not changed by the trip.
func fuzzRecord[T any](t *testing.T, b []byte, decode func([]byte) (T, error)) {
	v, err := decode(b)
	if err != nil {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error not ErrInvalid: %v", err)
		}
		return
	}
	enc1, err := encodeRecord(&v)
	if err != nil {
		return // e.g. a year past 9999 decodes but does not encode
	}
	v2, err := decode(enc1)
	if err != nil {
		t.Fatalf("re-decode of %q: %v", enc1, err)
	}
	enc2, err := encodeRecord(&v2)
	if err != nil || !bytes.Equal(enc1, enc2) {
		t.Fatalf("not a fixed point:\n%s\n%s", enc1, enc2)
	}
}

// FuzzDecodeRefund: refund records decode or are refused with ErrInvalid.
func FuzzDecodeRefund(f *testing.F) {
	_, r, _ := fixture()
	rec, _ := encodeRecord(&r)
	f.Add(rec)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzRecord(t, b, decodeRefund) })
}

// FuzzDecodeDelivery: outbox records decode or are refused with ErrInvalid.
func FuzzDecodeDelivery(f *testing.F) {
	_, _, d := fixture()
	rec, _ := encodeRecord(&d)
	f.Add(rec)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzRecord(t, b, decodeDelivery) })
}
