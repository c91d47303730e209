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

// TestEachPendingWhileStatesChange: payments that change state during the
// walk (the last one of a page among them, whose key the next page seeks
// after) never hide one that stays open: each of those is seen, and a
// payment that moved to a later state of the walk is seen there.
func TestEachPendingWhileStatesChange(t *testing.T) {
	for _, page := range []int{1, 2, 3, 5} {
		t.Run(fmt.Sprint("page ", page), func(t *testing.T) {
			c := newClock()
			j := openTest(t, c)
			const n = 12
			for i := range n {
				id := fmt.Sprintf("p%02d", i)
				mustCreate(t, j, newPayment(id, fmt.Sprint("lane-", i), id, 100))
				walk(t, j, id, Queued)
				c.Advance(time.Second)
			}
			moved := map[string]State{} // what the walk did to a payment
			seen := map[string][]State{}
			err := j.EachPending(page, func(p Payment) error {
				seen[p.ID] = append(seen[p.ID], p.State)
				if p.State != Queued {
					return nil
				}
				// The one just read (perhaps a page's last) goes on to
				// in_flight, and every third one not yet read ends.
				walk(t, j, p.ID, InFlight)
				moved[p.ID] = InFlight
				var i int
				fmt.Sscanf(p.ID, "p%d", &i)
				if next := fmt.Sprintf("p%02d", i+1); i%3 == 0 && i+1 < n && moved[next] == "" {
					walk(t, j, next, Declined)
					moved[next] = Declined
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				id := fmt.Sprintf("p%02d", i)
				switch moved[id] {
				case InFlight:
					if !slices.Equal(seen[id], []State{Queued, InFlight}) {
						t.Errorf("%s, moved to in_flight when read: seen as %v, want queued then in_flight", id, seen[id])
					}
				case Declined:
					if len(seen[id]) != 0 {
						t.Errorf("%s, declined before it was read: seen as %v, want not at all", id, seen[id])
					}
				default:
					t.Errorf("%s was never read (moved %q)", id, moved[id])
				}
			}
		})
	}
}
