//go:build linux

package sdnotify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSystemd listens where NOTIFY_SOCKET points, as systemd does.
func fakeSystemd(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

// next is the next datagram (or "" after a second of silence).
func next(t *testing.T, c *net.UnixConn, wait time.Duration) string {
	t.Helper()
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(wait))
	n, err := c.Read(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestReadyOnlyOnceTheProbeAnswers: READY=1 comes after the first probe
// that succeeds, never before; STOPPING=1 when the daemon stops.
func TestReadyOnlyOnceTheProbeAnswers(t *testing.T) {
	sock := fakeSystemd(t)
	t.Setenv("WATCHDOG_USEC", "")
	var calls, answered atomic.Int32
	probe := func(context.Context) error {
		if calls.Add(1) < 4 {
			return errors.New("connection refused")
		}
		answered.Add(1)
		return nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { Run(ctx, probe, discard); close(done) }()
	if got := next(t, sock, 20*time.Second); got != "READY=1" {
		t.Fatalf("first message %q, want READY=1", got)
	}
	if calls.Load() != 4 || answered.Load() != 1 {
		t.Errorf("READY=1 after %d probes (%d answered), want after the 4th, the first that answered", calls.Load(), answered.Load())
	}
	cancel()
	<-done
	if got := next(t, sock, 20*time.Second); got != "STOPPING=1" {
		t.Errorf("on stop %q, want STOPPING=1", got)
	}
}

// TestWatchdogPingsAtHalfItsTimeoutWhileTheProbeAnswers: WATCHDOG=1 at
// least every WATCHDOG_USEC/2 apart (a ticker never fires early), and none
// while the probe fails.
func TestWatchdogPingsAtHalfItsTimeoutWhileTheProbeAnswers(t *testing.T) {
	sock := fakeSystemd(t)
	const usec = 200_000
	t.Setenv("WATCHDOG_USEC", strconv.Itoa(usec))
	t.Setenv("WATCHDOG_PID", "")
	if got, want := Interval(), usec*time.Microsecond/2; got != want {
		t.Fatalf("Interval() = %v, want %v", got, want)
	}
	var failing atomic.Bool
	failed := make(chan struct{}, 100)
	probe := func(context.Context) error {
		if failing.Load() {
			failed <- struct{}{}
			return errors.New("timeout")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now() // before the ticker: the 4th ping cannot come before start+4 intervals
	go Run(ctx, probe, discard)
	if got := next(t, sock, 20*time.Second); got != "READY=1" {
		t.Fatalf("first message %q, want READY=1", got)
	}
	const pings = 4
	for i := 0; i < pings; i++ {
		if got := next(t, sock, 20*time.Second); got != "WATCHDOG=1" {
			t.Fatalf("ping %d: %q, want WATCHDOG=1", i, got)
		}
	}
	if el, min := time.Since(start), pings*Interval(); el < min {
		t.Errorf("%d pings in %v: faster than one per %v", pings, el, Interval())
	}

	// Pings are sent right after a probe that answered, in one goroutine:
	// once two probes have failed, every ping is out; none may follow.
	failing.Store(true)
	<-failed
	<-failed
	for next(t, sock, 10*time.Millisecond) != "" {
	}
	<-failed
	<-failed
	if got := next(t, sock, 10*time.Millisecond); got != "" {
		t.Errorf("sent %q while the API did not answer", got)
	}
}

// TestNoSocketNoMessages: outside systemd Run returns at once.
func TestNoSocketNoMessages(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	done := make(chan struct{})
	go func() {
		Run(t.Context(), func(context.Context) error { return errors.New("never asked") }, discard)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run waited without a NOTIFY_SOCKET")
	}
}

// TestUnderSystemd: NOTIFY_SOCKET says so; INVOCATION_ID only when systemd
// (PID 1) is the parent, which a test process's parent never is.
func TestUnderSystemd(t *testing.T) {
	for _, tc := range []struct {
		notify, invocation string
		want               bool
	}{
		{"", "", false},
		{"/run/systemd/notify", "", true},
		{"", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", false},
	} {
		t.Setenv("NOTIFY_SOCKET", tc.notify)
		t.Setenv("INVOCATION_ID", tc.invocation)
		if got := UnderSystemd(); got != tc.want {
			t.Errorf("NOTIFY_SOCKET=%q INVOCATION_ID=%q: %v, want %v", tc.notify, tc.invocation, got, tc.want)
		}
	}
}
