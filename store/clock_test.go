package store

import (
	"testing"
	"time"
)

// TestLastSeen: the mark round-trips; without one,
// the newest payment's creation time stands in for it.
func TestLastSeen(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	if r, w, err := j.LastSeen(); err != nil || !r.IsZero() || !w.IsZero() {
		t.Fatalf("empty journal: %s %s %v, want zero times", r, w, err)
	}
	p := mustCreate(t, j, newPayment("p1", "L1", "o1", 100))
	if r, w, err := j.LastSeen(); err != nil || !r.Equal(p.CreatedAt) || !w.Equal(p.CreatedAt) {
		t.Fatalf("no mark: %s %s %v, want the newest creation time %s", r, w, err, p.CreatedAt)
	}
	r0, w0 := c.Now().Add(-time.Hour), c.Now()
	if err := j.SetLastSeen(r0, w0); err != nil {
		t.Fatal(err)
	}
	if r, w, err := j.LastSeen(); err != nil || !r.Equal(r0) || !w.Equal(w0) {
		t.Fatalf("after reopen: %s %s %v, want %s %s", r, w, err, r0, w0)
	}
}

// TestDeliveriesAfter finds retries scheduled beyond a horizon (set before
// the clock went back), latest first.
func TestDeliveriesAfter(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	p := mustCreate(t, j, newPayment("p1", "L1", "o1", 100))
	if _, err := j.Transition(p.ID, Transition{From: []State{AwaitingScan}, To: Cancelled, Hooks: []string{"h1", "h2"}}); err != nil {
		t.Fatal(err)
	}
	ds, err := j.PendingDeliveries()
	if err != nil || len(ds) != 2 {
		t.Fatalf("deliveries: %d %v", len(ds), err)
	}
	far := c.Now().Add(2 * time.Hour)
	if err := j.DeliveryFailed(ds[0].ID, far, "down"); err != nil {
		t.Fatal(err)
	}
	got, err := j.DeliveriesAfter(c.Now().Add(time.Hour), 0)
	if err != nil || len(got) != 1 || got[0].ID != ds[0].ID {
		t.Fatalf("DeliveriesAfter = %+v, %v; want only %s", got, err, ds[0].ID)
	}
	if got, _ := j.DeliveriesAfter(far, 0); len(got) != 0 {
		t.Fatalf("DeliveriesAfter(its own time) = %d, want 0", len(got))
	}
}
