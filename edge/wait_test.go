package edge

import (
	"context"
	"testing"
	"time"

	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// waitersOn is how many long-polls hold payment id, and how many payments
// have any, read under the engine's lock.
func waitersOn(e *Engine, id string) (n, entries int) {
	e.watchMu.Lock()
	defer e.watchMu.Unlock()
	if en, ok := e.waits[id]; ok {
		n = en.n
	}
	return n, len(e.waits)
}

// TestWaitFollowsEveryChange: long-polls that started while the payment
// awaited its scan all see it through queued and in_flight to approved,
// from the states the changes hand over, and leave nothing behind; one on
// a final payment answers at once.
func TestWaitFollowsEveryChange(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "W-1", Amount: 120})
	if err != nil {
		t.Fatal(err)
	}
	const waiters = 3
	got := make(chan PaymentView, waiters)
	for range waiters {
		go func() {
			p, err := r.e.Wait(ctx, v.ID, 30*time.Second)
			if err != nil {
				t.Error(err)
			}
			got <- p
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if n, _ := waitersOn(r.e, v.ID); n == waiters {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the long-polls never registered")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: r.sims[w].IssueCode()}); err != nil {
		t.Fatal(err)
	}
	for range waiters {
		p := <-got
		if p.State != store.Approved || !p.Final {
			t.Errorf("a long-poll ended with %s (final %v), want approved", p.State, p.Final)
		}
	}
	if n, entries := waitersOn(r.e, v.ID); n != 0 || entries != 0 {
		t.Errorf("after the long-polls: %d still held on the payment, %d payments watched; want none", n, entries)
	}
	p, err := r.e.Wait(ctx, v.ID, 30*time.Second)
	if err != nil || p.State != store.Approved {
		t.Errorf("a long-poll on the approved payment = %s, %v", p.State, err)
	}
	if _, entries := waitersOn(r.e, v.ID); entries != 0 {
		t.Errorf("a long-poll on a final payment left %d watches", entries)
	}
}
