package edge

import (
	"fmt"
	"sync"
	"time"
)

// Clock is the engine's time source. Now is the wall clock, which a store
// PC's owner, its time sync or a resumed virtual machine may move either
// way at any moment; Elapsed is a monotonic count since an arbitrary start
// that no such move touches. The engine stamps records with Now and
// measures every wait with Elapsed (see steadyClock and retentionClock).
type Clock interface {
	Now() time.Time
	Elapsed() time.Duration
}

// systemClock reads the operating system: time.Now carries a monotonic
// reading, and time.Since uses it.
type systemClock struct {
	now   func() time.Time
	start time.Time
}

func (c systemClock) Now() time.Time         { return c.now() }
func (c systemClock) Elapsed() time.Duration { return time.Since(c.start) }

// SystemClock is the real clock; now, when not nil, replaces the wall
// clock (the monotonic count stays real).
func SystemClock(now func() time.Time) Clock {
	if now == nil {
		now = time.Now
	}
	return systemClock{now: now, start: time.Now()}
}

// steadyClock is the time the engine's deadlines (NextTry, ScanBy,
// CodeExpires, receipt retries) are computed and compared in. It starts at
// the wall clock, never goes back, and advances at least as fast as the
// monotonic clock: a forward jump is followed (a wait ends early, which is
// harmless: a resend comes sooner, a code is treated as expired sooner); a
// backward jump is not, so no wait ever lasts longer than it was meant to.
// A deadline journaled in an earlier run may still lie in the future by a
// jump that happened while scanpay was stopped: passed bounds it too.
type steadyClock struct {
	c    Clock
	mu   sync.Mutex
	last time.Time
	mono time.Duration
}

func newSteadyClock(c Clock) *steadyClock {
	return &steadyClock{c: c, last: c.Now().Round(0), mono: c.Elapsed()}
}

func (s *steadyClock) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.c.Elapsed()
	t := s.last.Add(m - s.mono)
	if w := s.c.Now().Round(0); w.After(t) {
		t = w
	}
	s.last, s.mono = t, m
	return t
}

// passed reports whether deadline is due at now: reached, or so far ahead
// that it cannot be a wait of at most bound (the clock went back since it
// was set, possibly while scanpay was stopped).
func passed(deadline, now time.Time, bound time.Duration) bool {
	d := deadline.Sub(now)
	return d <= 0 || d > bound
}

// retentionClock is the time pruning counts in: time scanpay has seen pass.
// Within a run it advances by the wall clock, but never by more than the
// monotonic clock did (plus jumpSlack); a larger forward step of the wall
// clock is a jump and is not counted. Across runs it resumes from the mark
// journaled by the last run (store.Journal.LastSeen) and counts the time
// in between only up to maxGap; more is a jump. A backward step is counted
// as it is: pruning then keeps more, never less. So a final payment is
// pruned only once it is older than retention by this clock, which a
// clock corrected forward by years cannot fake.
type retentionClock struct {
	r    time.Time     // retention time now
	wall time.Time     // wall clock when r was taken
	mono time.Duration // monotonic reading when r was taken
}

const (
	// jumpSlack is how far the wall clock may run ahead of the monotonic
	// clock between two sweeps before it counts as a jump (time syncs
	// step by less).
	jumpSlack = time.Minute
	// maxGap is the longest time scanpay trusts to have passed while it
	// was stopped (a closed store's long weekend).
	maxGap = 4 * 24 * time.Hour
)

// jump describes a forward jump of the wall clock that was not counted.
type jump struct {
	from, to time.Time
	stopped  bool // across a restart
}

func (j jump) String() string {
	when := "while scanpay ran"
	if j.stopped {
		when = "while scanpay was stopped (more than " + maxGap.String() + " is not counted as time passed)"
	}
	return fmt.Sprintf("the clock jumped forward by %s, from %s to %s, %s", j.to.Sub(j.from).Round(time.Second),
		j.from.UTC().Format(time.RFC3339), j.to.UTC().Format(time.RFC3339), when)
}

// startRetention resumes the retention clock at wall time wall and
// monotonic reading mono from the journal's mark: the retention time r the
// last run reached at wall time markWall (both zero: no mark).
func startRetention(r, markWall, wall time.Time, mono time.Duration) (retentionClock, *jump) {
	wall = wall.Round(0)
	rc := retentionClock{r: wall, wall: wall, mono: mono}
	if r.IsZero() {
		return rc, nil
	}
	gap := wall.Sub(markWall)
	if gap > maxGap {
		rc.r = r
		return rc, &jump{from: markWall, to: wall, stopped: true}
	}
	rc.r = r.Add(gap)
	return rc, nil
}

// advance moves the clock to the wall time wall at monotonic reading mono.
func (rc *retentionClock) advance(wall time.Time, mono time.Duration) *jump {
	wall = wall.Round(0)
	dw, dm := wall.Sub(rc.wall), mono-rc.mono
	var j *jump
	step := dw
	if dw > dm+jumpSlack {
		step = dm
		j = &jump{from: rc.wall.Add(dm), to: wall}
	}
	rc.r = rc.r.Add(step)
	rc.wall, rc.mono = wall, mono
	return j
}
