package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable Options.Now, so tests decide what time it is.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// openTest opens a fresh journal in t.TempDir() and checks it on cleanup.
func openTest(t testing.TB, c *clock) *Journal {
	t.Helper()
	opts := Options{}
	if c != nil {
		opts.Now = c.Now
	}
	j, err := Open(filepath.Join(t.TempDir(), "data", "journal.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := j.Check(); err != nil {
			t.Errorf("Check at cleanup: %v", err)
		}
		if err := j.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return j
}

// newPayment is a valid AwaitingScan payment for lane and order.
func newPayment(id, lane, order string, amount int64) Payment {
	return Payment{ID: id, TerminalID: lane, OrderNumber: order, Amount: amount, State: AwaitingScan,
		Description: "coffee " + id}
}

func mustCreate(t testing.TB, j *Journal, p Payment) Payment {
	t.Helper()
	got, created, err := j.Create(p)
	if err != nil || !created {
		t.Fatalf("Create(%s) = created %v, %v; want a new payment", p.ID, created, err)
	}
	return got
}

// walk moves payment id along states, one transition each, failing the
// test on any refusal.
func walk(t testing.TB, j *Journal, id string, states ...State) Payment {
	t.Helper()
	var p Payment
	for _, s := range states {
		cur, err := j.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		mut := func(p *Payment) error { return nil }
		if s == Queued {
			mut = func(p *Payment) error {
				p.FullCode, p.MaskedCode, p.Wallet = "2212345678901234AB", "2212…34AB", "jkopay"
				return nil
			}
		}
		p, err = j.Transition(id, Transition{From: []State{cur.State}, To: s, Reason: fmt.Sprint("to ", s), Mutate: mut})
		if err != nil {
			t.Fatalf("walk %s to %s: %v", id, s, err)
		}
	}
	return p
}
