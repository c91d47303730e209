package scanner

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source, so dedup windows pass on command.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// syncBuffer collects log output written by reader goroutines while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// testLogger sends the manager's log to the test log, and to the writers
// given (to check what reaches logs).
func testLogger(t *testing.T, extra ...io.Writer) *slog.Logger {
	w := io.MultiWriter(append([]io.Writer{tlogWriter{t}}, extra...)...)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// running starts m.Run and returns its channels and a stop function that
// cancels it and waits for Run to return.
func running(t *testing.T, m *Manager, scanBuf, eventBuf int) (chan Scan, chan DeviceEvent, func()) {
	t.Helper()
	scans := make(chan Scan, scanBuf)
	events := make(chan DeviceEvent, eventBuf)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, scans, events) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return scans, events, stop
}

// eventReader hands out each device's events in order, holding events of
// other devices for later, and skipping error reports (open failures while
// a device is absent).
type eventReader struct {
	ch   <-chan DeviceEvent
	held []DeviceEvent
}

func (r *eventReader) next(t *testing.T, device string) DeviceEvent {
	t.Helper()
	for i, ev := range r.held {
		if ev.Device == device {
			r.held = append(r.held[:i], r.held[i+1:]...)
			return ev
		}
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-r.ch:
			switch {
			case ev.Kind == Failed:
				t.Logf("event %+v", ev)
			case ev.Device != device:
				r.held = append(r.held, ev)
			default:
				return ev
			}
		case <-timeout:
			t.Fatalf("no device event for %s within 10s", device)
		}
	}
}

func nextScan(t *testing.T, scans <-chan Scan) Scan {
	t.Helper()
	select {
	case s := <-scans:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no scan within 10s")
	}
	return Scan{}
}
