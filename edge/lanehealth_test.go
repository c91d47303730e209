package edge

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/scanner"
)

// fakeScanners is a settable scanner.Manager.Status.
type fakeScanners struct {
	mu sync.Mutex
	st []scanner.DeviceStatus
}

func (f *fakeScanners) Status() []scanner.DeviceStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.st)
}

func (f *fakeScanners) set(device string, connected bool, lastErr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.st {
		if f.st[i].Device == device {
			f.st[i].Connected, f.st[i].LastError = connected, lastErr
			f.st[i].Fix = ""
			if !connected {
				f.st[i].Fix = "check the USB cable"
			}
		}
	}
}

// within waits up to d for cond, polling.
func within(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func problemsAbout(e *Engine, device string) []string {
	var out []string
	for _, p := range e.Health().Problems {
		if strings.HasPrefix(p, "scanner "+device+" ") {
			out = append(out, p)
		}
	}
	return out
}

func TestLaneHealth(t *testing.T) {
	sc := &fakeScanners{st: []scanner.DeviceStatus{
		{Device: "front", Kind: "serial", Lane: "LANE-1", Fix: "check the USB cable"},
		{Device: "late", Kind: "hid", Lane: "LANE-2", Fix: "check the USB cable"},
		{Device: "a", Kind: "serial", Lane: "LANE-3", Connected: true},
		{Device: "b", Kind: "serial", Lane: "LANE-3", Connected: true},
	}}
	sc.set("front", true, "")
	const grace = 400 * time.Millisecond
	r := newRig(t, rigOpts{wallets: []string{"jkopay"}, scanners: sc, grace: grace})
	ctx := context.Background()
	start := time.Now()

	// "late" has never opened: a problem only after the grace period.
	if !within(5*time.Second, func() bool { return len(problemsAbout(r.e, "late")) == 1 }) {
		t.Fatalf("no problem for a scanner never opened; problems %q", r.e.Health().Problems)
	}
	if d := time.Since(start); d < grace {
		t.Errorf("a scanner still opening was a problem after %s, before the grace period %s", d, grace)
	}
	p := problemsAbout(r.e, "late")[0]
	for _, want := range []string{"late", "LANE-2", "not opened since scanpay started", "check the USB cable"} {
		if !strings.Contains(p, want) {
			t.Errorf("problem %q does not say %q", p, want)
		}
	}
	if r.e.Health().OK {
		t.Error("Health is OK with a scanner missing")
	}

	// An opened scanner unplugged: a problem at once, a warning on its
	// lane's checkouts, none on a lane with a scanner left.
	if len(problemsAbout(r.e, "front")) != 0 {
		t.Fatalf("connected scanner reported: %q", r.e.Health().Problems)
	}
	sc.set("front", false, "device closed (unplugged?)")
	r.e.Device(scanner.DeviceEvent{Device: "front", Lane: "LANE-1", Kind: scanner.Disconnected})
	unplugged := time.Now()
	if !within(2*time.Second, func() bool { return len(problemsAbout(r.e, "front")) == 1 }) {
		t.Fatalf("unplugged scanner not a problem within 2s; problems %q", r.e.Health().Problems)
	}
	if d := time.Since(unplugged); d >= grace {
		t.Errorf("unplug reported after %s: it should not wait the grace period", d)
	}
	v, created, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-1", OrderNumber: "A1", Amount: 10})
	if err != nil || !created {
		t.Fatalf("checkout on a lane without scanner refused: %v", err)
	}
	if len(v.Warnings) != 1 || v.Warnings[0].Code != WarnNoScanner || !strings.Contains(v.Warnings[0].Message, "LANE-1") || !strings.Contains(v.Warnings[0].Message, "front") {
		t.Errorf("warnings %+v, want one %s naming LANE-1 and front", v.Warnings, WarnNoScanner)
	}
	sc.set("a", false, "device closed (unplugged?)")
	r.e.Device(scanner.DeviceEvent{Device: "a", Lane: "LANE-3", Kind: scanner.Disconnected})
	within(2*time.Second, func() bool { return len(problemsAbout(r.e, "a")) == 1 })
	v3, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-3", OrderNumber: "C1", Amount: 10})
	if err != nil || len(v3.Warnings) != 0 {
		t.Errorf("lane with one of two scanners left: warnings %+v, err %v; want none", v3.Warnings, err)
	}
	// With the code from the POS there is nothing to scan: no warning.
	code := r.sims["jkopay"].IssueCode()
	v2, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-1", OrderNumber: "A2", Amount: 10, Barcode: code})
	if err != nil || len(v2.Warnings) != 0 {
		t.Errorf("checkout with its barcode: warnings %+v, err %v; want none", v2.Warnings, err)
	}

	// Replugged: resolved, no warning.
	sc.set("front", true, "")
	r.e.Device(scanner.DeviceEvent{Device: "front", Lane: "LANE-1", Kind: scanner.Connected})
	if !within(2*time.Second, func() bool { return len(problemsAbout(r.e, "front")) == 0 }) {
		t.Fatalf("replugged scanner still a problem: %q", r.e.Health().Problems)
	}
	v4, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-1", OrderNumber: "A3", Amount: 10})
	if err != nil || len(v4.Warnings) != 0 {
		t.Errorf("after replug: warnings %+v, err %v", v4.Warnings, err)
	}
	r.wait(v2.ID)
	logs := r.logs.String()
	if n := strings.Count(logs, `level=WARN msg="problem: scanner front `); n != 1 {
		t.Errorf("the unplug was logged %d times as a WARN problem, want once", n)
	}
	if n := strings.Count(logs, `level=INFO msg="resolved: scanner front `); n != 1 {
		t.Errorf("the replug was logged %d times as resolved, want once", n)
	}
}
