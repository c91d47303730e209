package store

import (
	"errors"
	"testing"
)

// TestRefundIdempotencyKey: a key repeated with the same request gets the
// first refund back and writes nothing; with another request it is
// refused; it survives a reopen and goes with its refund when pruned.
func TestRefundIdempotencyKey(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	p := walk(t, j, mustCreate(t, j, newPayment("p1", "L1", "o1", 100)).ID, Queued, InFlight, Approved)
	first, err := j.CreateRefund(Refund{ID: "r1", PaymentID: p.ID, Amount: 30, IdempotencyKey: "k1", KeyRequest: "p1/30"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := j.CreateRefund(Refund{ID: "r2", PaymentID: p.ID, Amount: 30, IdempotencyKey: "k1", KeyRequest: "p1/30"})
	if err != nil || again.ID != first.ID {
		t.Fatalf("same key, same request: %s %v, want refund %s", again.ID, err, first.ID)
	}
	if _, err := j.GetRefund("r2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the repeated request wrote refund r2: %v", err)
	}
	if _, err := j.CreateRefund(Refund{ID: "r3", PaymentID: p.ID, Amount: 40, IdempotencyKey: "k1", KeyRequest: "p1/40"}); !errors.Is(err, ErrKeyReused) {
		t.Fatalf("same key, another request: %v, want ErrKeyReused", err)
	}
	if got, found, err := j.RefundByKey("k1"); err != nil || !found || got.ID != "r1" {
		t.Fatalf("RefundByKey = %s %v %v", got.ID, found, err)
	}
	if _, found, _ := j.RefundByKey("k"); found {
		t.Fatal("RefundByKey matched a prefix of a key")
	}
	if rs, _ := j.Refunds(p.ID); len(rs) != 1 {
		t.Fatalf("%d refunds, want 1", len(rs))
	}
}
