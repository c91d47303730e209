package edge

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSchedulerOneWorkerPerKey: however often a key is kicked, it is never
// worked on by two workers at once, and a kick during work is not lost.
func TestSchedulerOneWorkerPerKey(t *testing.T) {
	s := newScheduler()
	var running, maxRunning, runs atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				key, ok := s.next()
				if !ok {
					return
				}
				n := running.Add(1)
				for m := maxRunning.Load(); n > m && !maxRunning.CompareAndSwap(m, n); m = maxRunning.Load() {
				}
				runs.Add(1)
				time.Sleep(time.Millisecond)
				running.Add(-1)
				s.done(key)
			}
		})
	}
	for range 50 {
		s.kick("p:a")
		time.Sleep(100 * time.Microsecond)
	}
	time.Sleep(20 * time.Millisecond)
	last := runs.Load()
	s.kick("p:a") // after a quiet spell: runs again
	time.Sleep(20 * time.Millisecond)
	s.close()
	wg.Wait()
	if maxRunning.Load() != 1 {
		t.Fatalf("key ran on %d workers at once", maxRunning.Load())
	}
	if last < 2 || runs.Load() != last+1 {
		t.Fatalf("runs = %d then %d; kicks during work must re-run the key once more, a later kick once", last, runs.Load())
	}
}

func TestSchedulerAtEarliestWins(t *testing.T) {
	s := newScheduler()
	defer s.close()
	now := time.Now()
	s.at("p:x", now.Add(time.Hour), now)
	s.at("p:x", now.Add(10*time.Millisecond), now) // earlier: replaces
	s.at("p:x", now.Add(time.Hour), now)           // later: ignored
	got := make(chan string, 1)
	go func() {
		k, _ := s.next()
		got <- k
	}()
	select {
	case k := <-got:
		if k != "p:x" {
			t.Fatalf("got %q", k)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the earlier timer never fired")
	}
}
