package edge

import (
	"sync"
	"time"
)

// scheduler hands keys of due work ("p:<id>", "r:<id>") to workers. A key is
// never worked on by two workers at once: a kick for a key being worked on
// is remembered and served when the worker is done. Duplicate kicks are
// harmless because every step re-reads the journal and acts on what it says.
type scheduler struct {
	mu     sync.Mutex
	cond   *sync.Cond
	room   *sync.Cond // signalled when the queue drops below maxQueued
	queue  []string
	queued map[string]bool
	active map[string]bool
	again  map[string]bool
	timers map[string]timer
	closed bool
}

type timer struct {
	t    *time.Timer
	when time.Time
}

func newScheduler() *scheduler {
	s := &scheduler{queued: map[string]bool{}, active: map[string]bool{}, again: map[string]bool{}, timers: map[string]timer{}}
	s.cond = sync.NewCond(&s.mu)
	s.room = sync.NewCond(&s.mu)
	return s
}

// maxQueued bounds the due keys that the sweep and recovery put in the
// queue: recovery waits for room, the sweep stops and comes back. Kicks
// from the API, scans and a step's own timers are not held back; each is
// a key the queue holds at most once.
const maxQueued = 1024

// kickWhenRoom is kick, after waiting while the queue is full; false once
// closed.
func (s *scheduler) kickWhenRoom(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) >= maxQueued && !s.closed {
		s.room.Wait()
	}
	s.kickLocked(key)
	return !s.closed
}

// tryKick is kick unless the queue is full (or closed): false then.
func (s *scheduler) tryKick(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= maxQueued || s.closed {
		return false
	}
	s.kickLocked(key)
	return true
}

func paymentKey(id string) string { return "p:" + id }
func refundKey(id string) string  { return "r:" + id }

// kick makes key due now.
func (s *scheduler) kick(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kickLocked(key)
}

func (s *scheduler) kickLocked(key string) {
	switch {
	case s.closed:
	case s.active[key]:
		s.again[key] = true
	case s.queued[key]:
	default:
		s.queued[key] = true
		s.queue = append(s.queue, key)
		s.cond.Signal()
	}
}

// at makes key due at when (now if it has passed). An earlier timer for the
// same key wins; the step it triggers re-arms any later one.
func (s *scheduler) at(key string, when time.Time, now time.Time) {
	d := when.Sub(now)
	if d <= 0 {
		s.kick(key)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if old, ok := s.timers[key]; ok {
		if !old.when.After(when) {
			return
		}
		old.t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if cur, ok := s.timers[key]; ok && cur.t == t {
			delete(s.timers, key)
		}
		s.kickLocked(key)
	})
	s.timers[key] = timer{t: t, when: when}
}

// next blocks until a key is due and marks it active; false once closed.
func (s *scheduler) next() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		for len(s.queue) == 0 && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			return "", false
		}
		key := s.queue[0]
		s.queue[0] = ""
		s.queue = s.queue[1:]
		delete(s.queued, key)
		if len(s.queue) < maxQueued {
			s.room.Signal()
		}
		if s.active[key] {
			// Claimed outside the pool (an operator's settle): served
			// again when the claim is released.
			s.again[key] = true
			continue
		}
		s.active[key] = true
		return key, true
	}
}

// claim makes key active for a caller outside the worker pool, so that no
// worker steps it meanwhile; false when a worker holds it now. Release with
// done.
func (s *scheduler) claim(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active[key] {
		return false
	}
	s.active[key] = true
	return true
}

// done releases key, re-queueing it if it was kicked meanwhile.
func (s *scheduler) done(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, key)
	if s.again[key] {
		delete(s.again, key)
		s.kickLocked(key)
	}
}

// close stops handing out work; workers finish their current step.
func (s *scheduler) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, t := range s.timers {
		t.t.Stop()
	}
	s.timers = map[string]timer{}
	s.cond.Broadcast()
	s.room.Broadcast()
}
