package store

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestEachPendingPages: every page size yields each open payment once,
// state by state and oldest first within a state, and never a final one;
// CountPending agrees without decoding.
func TestEachPendingPages(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	paths := [][]State{
		nil, {Queued}, {Queued, InFlight}, {Queued, InFlight, Approved}, {Cancelled},
		{Queued, InFlight, Unknown}, nil, {Queued}, {Queued, InFlight, Declined}, {Queued, InFlight},
	}
	var want []string
	byState := map[State][]string{}
	for i, path := range paths {
		id := fmt.Sprintf("p%02d", i)
		mustCreate(t, j, newPayment(id, fmt.Sprint("lane-", i), id, 100))
		p := walk(t, j, id, path...)
		if len(path) == 0 {
			p, _ = j.Get(id)
		}
		if !p.State.Final() {
			byState[p.State] = append(byState[p.State], id)
		}
		c.Advance(time.Second)
	}
	for _, s := range States {
		want = append(want, byState[s]...)
	}
	for _, page := range []int{0, 1, 2, 3, len(paths), 1000} {
		var got []string
		if err := j.EachPending(page, func(p Payment) error {
			got = append(got, p.ID)
			return nil
		}); err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("page %d: %v, want %v", page, got, want)
		}
	}
	counts, err := j.CountPending()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range States {
		if counts[s] != len(byState[s]) {
			t.Errorf("CountPending[%s] = %d, want %d", s, counts[s], len(byState[s]))
		}
	}
	stop := fmt.Errorf("stop")
	n := 0
	if err := j.EachPending(2, func(Payment) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: EachPending = %v after %d calls, want it back after 1", err, n)
	}
}
