package edge

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// schedState is the scheduler's bookkeeping for one key, read under its lock
// so that tests assert on what it decided, not on how long things took.
func schedState(s *scheduler, key string) (queued, active, again bool, queueLen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queued[key], s.active[key], s.again[key], len(s.queue)
}

// TestSchedulerOneWorkerPerKey: however often a key is kicked, it is never
// worked on by two workers at once, a kick during work is not lost (the key
// runs once more), and a later kick after a quiet spell runs it again. The
// workers block on channels the test controls, so every step is decided
// before the next one starts: no sleeps, no timing.
func TestSchedulerOneWorkerPerKey(t *testing.T) {
	s := newScheduler()
	started := make(chan string) // a worker took a key
	// release[key] lets the worker on key finish it (read-only map).
	release := map[string]chan struct{}{"p:a": make(chan struct{}), "p:b": make(chan struct{}), "p:c": make(chan struct{})}
	finished := make(chan string) // that worker has called done
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				key, ok := s.next()
				if !ok {
					return
				}
				started <- key
				<-release[key]
				s.done(key)
				finished <- key
			}
		})
	}
	recv := func(ch chan string, what string) string {
		t.Helper()
		select {
		case k := <-ch:
			return k
		case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
			t.Fatalf("no worker %s the key", what)
			return ""
		}
	}
	finish := func(key string) {
		t.Helper()
		release[key] <- struct{}{}
		if k := recv(finished, "finished"); k != key {
			t.Fatalf("finished %q, want %q", k, key)
		}
	}

	s.kick("p:a")
	if k := recv(started, "started"); k != "p:a" {
		t.Fatalf("started %q, want p:a", k)
	}
	for range 50 { // kicks while p:a is being worked on
		s.kick("p:a")
	}
	if queued, active, again, n := schedState(s, "p:a"); queued || !active || !again || n != 0 {
		t.Fatalf("during work: queued=%v active=%v again=%v queue=%d; want the kicks remembered once, nothing queued", queued, active, again, n)
	}
	// Another key is not held up by p:a's worker.
	s.kick("p:b")
	if k := recv(started, "started"); k != "p:b" {
		t.Fatalf("started %q while p:a runs, want p:b", k)
	}
	finish("p:b")

	finish("p:a") // done re-queues p:a exactly once for the kicks it missed
	if k := recv(started, "started"); k != "p:a" {
		t.Fatalf("after done: started %q, want p:a again", k)
	}
	if queued, active, again, n := schedState(s, "p:a"); queued || !active || again || n != 0 {
		t.Fatalf("re-run: queued=%v active=%v again=%v queue=%d; want one run for fifty kicks", queued, active, again, n)
	}
	finish("p:a")
	if queued, active, again, n := schedState(s, "p:a"); queued || active || again || n != 0 {
		t.Fatalf("quiet: queued=%v active=%v again=%v queue=%d; want nothing due", queued, active, again, n)
	}

	// Kicks while queued (no worker free yet) collapse into one run too.
	s.mu.Lock()
	s.kickLocked("p:c")
	s.kickLocked("p:c")
	n := len(s.queue)
	s.mu.Unlock()
	if n != 1 {
		t.Fatalf("two kicks of a queued key queued it %d times", n)
	}
	if k := recv(started, "started"); k != "p:c" {
		t.Fatalf("started %q, want p:c", k)
	}
	finish("p:c")

	s.kick("p:a") // after a quiet spell: runs again
	if k := recv(started, "started"); k != "p:a" {
		t.Fatalf("started %q, want p:a", k)
	}
	finish("p:a")

	s.close()
	wg.Wait()
	select {
	case k := <-started:
		t.Fatalf("key %q ran after close", k)
	default:
	}
}

// TestSchedulerAtEarliestWins: of several timers for one key the earliest
// is kept, a later one is ignored, and the kept one makes the key due.
func TestSchedulerAtEarliestWins(t *testing.T) {
	s := newScheduler()
	defer s.close()
	now := time.Now()
	soon := now.Add(10 * time.Millisecond)
	s.at("p:x", now.Add(time.Hour), now)
	s.at("p:x", soon, now)               // earlier: replaces
	s.at("p:x", now.Add(time.Hour), now) // later: ignored
	s.mu.Lock()
	tm, ok := s.timers["p:x"]
	n := len(s.timers)
	s.mu.Unlock()
	if !ok || n != 1 || !tm.when.Equal(soon) {
		t.Fatalf("timers = %d, p:x due %v (set %v); want one, due at the earliest", n, tm.when, ok)
	}
	s.at("p:y", now.Add(-time.Second), now) // already past: due at once, no timer
	if queued, _, _, _ := schedState(s, "p:y"); !queued {
		t.Fatal("a time already past did not make the key due at once")
	}
	got := make(chan string, 2)
	go func() {
		for range 2 {
			k, _ := s.next()
			got <- k
		}
	}()
	seen := map[string]bool{}
	for range 2 {
		select {
		case k := <-got:
			seen[k] = true
		case <-time.After(10 * time.Second): // a hang guard, not a timing assertion
			t.Fatal("the earlier timer never fired")
		}
	}
	if !seen["p:x"] || !seen["p:y"] {
		t.Fatalf("due keys %v, want p:x and p:y", seen)
	}
}

// TestSchedulerBoundedQueue: recovery and the sweep fill the queue up to
// maxQueued keys and no further; tryKick says when it is full, a
// kickWhenRoom waits until a worker takes a key, and close releases it.
// Each step waits on the scheduler's own state, never on a duration.
func TestSchedulerBoundedQueue(t *testing.T) {
	s := newScheduler()
	for i := range maxQueued {
		if !s.tryKick(paymentKey(fmt.Sprint("open-", i))) {
			t.Fatalf("tryKick refused key %d of %d", i+1, maxQueued)
		}
	}
	if s.tryKick(paymentKey("one-too-many")) {
		t.Fatal("tryKick took a key into a full queue")
	}
	s.kick(paymentKey("from-the-api")) // the API's kicks are not held back
	if q, _, _, n := schedState(s, paymentKey("from-the-api")); !q || n != maxQueued+1 {
		t.Fatalf("an API kick into a full queue: queued %v, queue %d", q, n)
	}

	waited := make(chan bool)
	go func() { waited <- s.kickWhenRoom(paymentKey("recovered")) }()
	// Two keys out: the queue drops below maxQueued, so the waiter is let in.
	for range 2 {
		key, ok := s.next()
		if !ok {
			t.Fatal("next: closed")
		}
		s.done(key)
	}
	select {
	case ok := <-waited:
		if q, _, _, _ := schedState(s, paymentKey("recovered")); !ok || !q {
			t.Fatalf("kickWhenRoom = %v, queued %v; want the key queued", ok, q)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kickWhenRoom still waiting with room in the queue")
	}

	// Full again: a waiter is released by close, and says so.
	for i := 0; s.tryKick(paymentKey(fmt.Sprint("more-", i))); i++ {
	}
	go func() { waited <- s.kickWhenRoom(paymentKey("at-shutdown")) }()
	s.close()
	select {
	case ok := <-waited:
		if ok {
			t.Fatal("kickWhenRoom after close = true, want false")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("close did not release kickWhenRoom")
	}
}
