package edge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// jumpClock is the wall clock moved by a settable offset, the way an
// owner, a time sync or a resumed virtual machine moves it; the monotonic
// clock underneath keeps running.
type jumpClock struct{ off, mono atomic.Int64 }

func (c *jumpClock) now() time.Time       { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *jumpClock) jump(d time.Duration) { c.off.Add(int64(d)) }
func (c *jumpClock) Now() time.Time       { return c.now() }
func (c *jumpClock) Elapsed() time.Duration {
	return time.Since(clockStart) + time.Duration(c.mono.Load())
}

var clockStart = time.Now()

var forwardJumps = []time.Duration{25 * time.Hour, 3 * 365 * 24 * time.Hour}
var backwardJumps = []time.Duration{-2 * time.Hour, -3 * 365 * 24 * time.Hour}

// problemWith returns the Health problem containing s, if any.
func problemWith(e *Engine, s string) string {
	for _, p := range e.Health().Problems {
		if strings.Contains(p, s) {
			return p
		}
	}
	return ""
}

// TestForwardJumpNeverPrunesYoungPayments: a PC running behind and then
// corrected forward (by a day, by years) must not prune the payments it
// just made: retention counts the time scanpay saw pass, and Health says
// that the jump was not counted. The payment is pruned once it is truly
// older than retention, which proves pruning runs.
func TestForwardJumpNeverPrunesYoungPayments(t *testing.T) {
	for _, d := range forwardJumps {
		t.Run(d.String(), func(t *testing.T) {
			clk := &jumpClock{}
			r := newRig(t, rigOpts{wallets: []string{"jkopay"}, now: clk.now, retention: 3 * time.Second, noRun: true})
			r.e.pruneEvery = 10 * time.Millisecond
			ctx, cancel := context.WithCancel(context.Background())
			r.cancel = cancel
			r.start(ctx)
			v := r.wait(r.pay("L1", "o1", 100, "jkopay").ID)
			if v.State != store.Approved {
				t.Fatalf("payment is %s, want approved", v.State)
			}
			clk.jump(d)
			time.Sleep(300 * time.Millisecond) // many sweeps and prunes
			if _, err := r.j.Get(v.ID); err != nil {
				t.Fatalf("a payment approved 0.3s ago was pruned after the clock jumped forward by %s (retention 3s): %v", d, err)
			}
			if p := problemWith(r.e, "jumped forward"); p == "" {
				t.Errorf("Health does not say the clock jumped forward by %s: %v", d, r.e.Health().Problems)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				_, err := r.j.Get(v.ID)
				if errors.Is(err, store.ErrNotFound) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("payment still in the journal 10s after retention (3s) ran out: pruning never ran")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// TestBootWithClockAheadPrunesNothingYoung: a PC that boots with its clock
// far ahead must not prune everything at start.
func TestBootWithClockAheadPrunesNothingYoung(t *testing.T) {
	// A gap of up to maxGap may be a PC that was off; more is a jump.
	for _, d := range []time.Duration{maxGap + time.Hour, 3 * 365 * 24 * time.Hour} {
		t.Run(d.String(), func(t *testing.T) {
			clk := &jumpClock{}
			r := newRig(t, rigOpts{wallets: []string{"jkopay"}, now: clk.now, retention: time.Hour})
			sim := r.sims["jkopay"]
			path := r.j.Path()
			v := r.wait(r.pay("L1", "o1", 100, "jkopay").ID)
			r.stop()
			clk.jump(d)
			r2 := newRigWith(t, rigOpts{wallets: []string{"jkopay"}, now: clk.now, retention: time.Hour, path: path}, sim)
			time.Sleep(200 * time.Millisecond) // the start's prune and a few sweeps
			if _, err := r2.j.Get(v.ID); err != nil {
				t.Fatalf("booting with the clock %s ahead pruned a payment made a moment before (retention 1h): %v", d, err)
			}
			if p := problemWith(r2.e, "while scanpay was stopped"); p == "" {
				t.Errorf("Health does not say the clock jumped forward by %s while stopped: %v", d, r2.e.Health().Problems)
			}
			// The retried order is answered with its payment, not charged again.
			again, created, err := r2.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "o1", Amount: 100})
			if err != nil || created || again.ID != v.ID {
				t.Fatalf("retrying the order after the jump: %+v created=%v err=%v, want payment %s again", again.ID, created, err, v.ID)
			}
		})
	}
}

// TestBackwardJumpDoesNotStallSettling: after the clock goes back (by
// hours, by years), an unknown payment still settles within its backoff,
// and a checkout nobody scans for is cancelled after scan_timeout.
func TestBackwardJumpDoesNotStallSettling(t *testing.T) {
	for _, d := range backwardJumps {
		for _, w := range simNames {
			t.Run(fmt.Sprintf("%s/%s", d, w), func(t *testing.T) {
				clk := &jumpClock{}
				r := newRig(t, rigOpts{wallets: []string{w}, now: clk.now, scanAfter: 300 * time.Millisecond})
				r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
				r.sims[w].Inject(resolveCall[w], wallettest.Fault{Kind: wallettest.ServerError}, wallettest.Fault{Kind: wallettest.ServerError})
				v := r.pay("L1", "o1", 100, w)
				r.waitState(v.ID, store.Unknown)
				waitAttempts(t, r, v.ID, 2) // a settling request failed: a backoff is running
				clk.jump(d)
				idle, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L2", OrderNumber: "o2", Amount: 50})
				if err != nil {
					t.Fatal(err)
				}
				got, err := r.e.Wait(context.Background(), v.ID, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Final {
					t.Fatalf("unknown payment is %s 5s after the clock went back %s (backoff max 0.2s), want it settled", got.State, d)
				}
				got, err = r.e.Wait(context.Background(), idle.ID, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != store.Cancelled {
					t.Fatalf("unscanned checkout is %s 5s after the clock went back %s (scan_timeout 0.3s), want cancelled", got.State, d)
				}
				r.checkLedger()
			})
		}
	}
}

// TestBackoffNeverAboveMax: the jitter never makes a pause longer than
// its maximum, since a longer wait is read as a clock that went back.
func TestBackoffNeverAboveMax(t *testing.T) {
	b := Backoff{Min: time.Second, Max: time.Minute}
	for n := 1; n < 20; n++ {
		for range 200 {
			if d := b.Delay(n); d > b.Max || d <= 0 {
				t.Fatalf("Delay(%d) = %s, want within (0, %s]", n, d, b.Max)
			}
		}
	}
}

// TestRetentionClock: the retention clock counts what the monotonic clock
// saw, and a restart's gap only up to maxGap.
func TestRetentionClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rc, j := startRetention(time.Time{}, time.Time{}, t0, 0)
	if j != nil || !rc.r.Equal(t0) {
		t.Fatalf("fresh start: r %s jump %v", rc.r, j)
	}
	if j := rc.advance(t0.Add(10*time.Second), 10*time.Second); j != nil || !rc.r.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("steady run: r %s jump %v", rc.r, j)
	}
	if j := rc.advance(t0.Add(3*365*24*time.Hour), 20*time.Second); j == nil || !rc.r.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("forward jump: r %s jump %v, want r = t0+20s and a jump", rc.r, j)
	}
	if j := rc.advance(t0, 30*time.Second); j != nil || rc.r.After(t0) {
		t.Fatalf("backward jump: r %s jump %v, want r <= t0", rc.r, j)
	}
	rc2, j := startRetention(t0, t0, t0.Add(maxGap-time.Hour), 0)
	if j != nil || !rc2.r.Equal(t0.Add(maxGap-time.Hour)) {
		t.Fatalf("short stop: r %s jump %v", rc2.r, j)
	}
	rc3, j := startRetention(t0, t0, t0.Add(maxGap+time.Hour), 0)
	if j == nil || !rc3.r.Equal(t0) {
		t.Fatalf("long gap: r %s jump %v, want r = t0 and a jump", rc3.r, j)
	}
}

// TestBackwardJumpCodeLifetimeStaysHonest: a code whose wallet cannot be
// reached is resent only within its true lifetime, measured on the
// monotonic clock: after the clock goes back, the payment still expires
// when the code does, not hours or years later.
func TestBackwardJumpCodeLifetimeStaysHonest(t *testing.T) {
	for _, d := range backwardJumps {
		t.Run(d.String(), func(t *testing.T) {
			clk := &jumpClock{}
			r := newRig(t, rigOpts{wallets: []string{"easywallet"}, now: clk.now, codeTTL: time.Second})
			r.sims["easywallet"].Close() // connection refused: every send provably never left
			v := r.pay("L1", "o1", 100, "easywallet")
			waitAttempts(t, r, v.ID, 1)
			clk.jump(d)
			got, err := r.e.Wait(context.Background(), v.ID, 6*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != store.Expired {
				t.Fatalf("payment is %s 6s after its 1s code was scanned and the clock went back %s, want expired", got.State, d)
			}
		})
	}
}

// TestClockJumpNoticeClears: Health reports a jump for a day of running,
// then only the log keeps it.
func TestClockJumpNoticeClears(t *testing.T) {
	clk := &jumpClock{}
	r := newRig(t, rigOpts{wallets: []string{"jkopay"}, clock: clk})
	r.wait(r.pay("L1", "o1", 100, "jkopay").ID) // the engine runs
	clk.jump(3 * 365 * 24 * time.Hour)
	waitProblem := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for (problemWith(r.e, "jumped forward") != "") != want {
			if time.Now().After(deadline) {
				t.Fatalf("Health reports the jump: %v, want %v (%v)\n%s", !want, want, r.e.Health().Problems, r.logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitProblem(true)
	clk.mono.Add(int64(jumpReported + time.Minute)) // a day of running later
	waitProblem(false)
}
