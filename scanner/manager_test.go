package scanner

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/scanner/internal/recording"
)

// fakeHID replays recorded reports, one per Read, as hidapi would deliver
// them; when they run out it times out like ReadTimeout, or fails like an
// unplugged device. It fails the test if Close overlaps a Read.
type fakeHID struct {
	t       *testing.T
	reports [][]byte
	unplug  bool // fail once the reports are used up

	reading atomic.Bool
	closed  atomic.Bool
	gone    atomic.Bool // pulled out: enumeration no longer lists it, reads still time out
	once    sync.Once
	drained chan struct{} // closed at the first Read after the last report: all were decoded
}

func newFakeHID(t *testing.T, reports [][]byte, unplug bool) *fakeHID {
	return &fakeHID{t: t, reports: reports, unplug: unplug, drained: make(chan struct{})}
}

func (f *fakeHID) Read(p []byte) (int, error) {
	if !f.reading.CompareAndSwap(false, true) {
		f.t.Error("two Reads at once")
	}
	defer f.reading.Store(false)
	if f.closed.Load() {
		return 0, errors.New("hid: device closed")
	}
	if len(f.reports) == 0 {
		f.once.Do(func() { close(f.drained) })
		if f.unplug {
			return 0, errors.New("hidapi: libusb: LIBUSB_ERROR_NO_DEVICE")
		}
		time.Sleep(2 * time.Millisecond) // the read timeout
		return 0, nil
	}
	n := copy(p, f.reports[0])
	f.reports = f.reports[1:]
	return n, nil
}

// Gone is the enumeration's answer, as hidConn.Gone asks it.
func (f *fakeHID) Gone() error {
	if f.gone.Load() {
		return errors.New("USB HID device 05e0:1200 is no longer connected (unplugged?)")
	}
	return nil
}

func (f *fakeHID) Close() error {
	if f.reading.Load() {
		f.t.Error("Close while a Read is in progress")
	}
	f.closed.Store(true)
	return nil
}

// hidManager builds a manager for one HID scanner whose opens are answered,
// in turn, by opens (the last one repeats).
func hidManager(t *testing.T, c Config, opts Options, opens ...func() (conn, error)) *Manager {
	t.Helper()
	m, err := NewManager([]Config{c}, opts)
	if err != nil {
		t.Fatal(err)
	}
	m.hidSupported = true
	var mu sync.Mutex
	m.openHID = func(_ context.Context, got Config) (conn, error) {
		if got.VID != c.VID || got.TerminalID != c.TerminalID {
			t.Errorf("opener got config %+v", got)
		}
		mu.Lock()
		defer mu.Unlock()
		open := opens[0]
		if len(opens) > 1 {
			opens = opens[1:]
		}
		return open()
	}
	return m
}

func absent() (conn, error) { return nil, errNotPresent }

func TestHIDRecordingsThroughManager(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.rec")
	if len(files) < 3 {
		t.Fatalf("recordings: %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			rec, err := recording.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS == "windows" && rec.Mode != "pos" {
				t.Skip("Windows cannot open keyboard-class HID devices, so config refuses mode = keyboard there; this recording runs on Linux, and the HID-POS recordings run here")
			}
			var logs syncBuffer
			cfg := Config{Kind: KindHID, VID: "0c2e", PID: "0b8f", Mode: rec.Mode, Layout: rec.Layout, POSLayout: rec.POSLayout, TerminalID: "LANE-3"}
			dev := newFakeHID(t, rec.Reports, false)
			m := hidManager(t, cfg, Options{Logger: testLogger(t, &logs)}, func() (conn, error) { return dev, nil })
			scans, _, stop := running(t, m, 16, 16)
			var errs int
			for _, want := range rec.Expect {
				if want.Error {
					errs++
					continue
				}
				s := nextScan(t, scans)
				if s.Code != want.Code || s.Lane != "LANE-3" || s.Device != "0c2e:0b8f" {
					t.Errorf("scan %+v, want %q on LANE-3 from 0c2e:0b8f", s, want.Code)
				}
			}
			select {
			case <-dev.drained:
			case <-time.After(10 * time.Second):
				t.Fatal("reports not all read")
			}
			stop()
			if len(scans) != 0 {
				t.Errorf("%d extra scans", len(scans))
			}
			if n := strings.Count(logs.String(), "input discarded"); n != errs {
				t.Errorf("%d discarded inputs logged, want %d", n, errs)
			}
		})
	}
}

func TestHIDPOSSymbologyReachesTheScan(t *testing.T) {
	rec, err := recording.Load("testdata/pos-honeywell.rec")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Kind: KindHID, VID: "0c2e", PID: "0b8f", Mode: "pos", POSLayout: "honeywell", TerminalID: "LANE-3"}
	m := hidManager(t, cfg, Options{Logger: testLogger(t)}, func() (conn, error) {
		return newFakeHID(t, rec.Reports[:1], false), nil
	})
	scans, _, _ := running(t, m, 4, 4)
	if s := nextScan(t, scans); s.Symbology != "]Q1" {
		t.Errorf("scan %+v, want symbology ]Q1", s)
	}
}

// keyReports types code and Enter as boot-keyboard press/release reports.
func keyReports(code string) [][]byte {
	var out [][]byte
	for _, c := range code + "\n" {
		u := byte(0x28)
		switch {
		case c >= '1' && c <= '9':
			u = byte(0x1E + c - '1')
		case c == '0':
			u = 0x27
		case c >= 'a' && c <= 'z':
			u = byte(0x04 + c - 'a')
		}
		out = append(out, []byte{0, 0, u, 0, 0, 0, 0, 0}, make([]byte, 8))
	}
	return out
}

// testHIDMode is the scanner mode of the manager tests that do not depend
// on one: keyboard (the default) where the OS can open a keyboard-class
// device, HID-POS on Windows, which cannot. codeReports types a code in it.
var testHIDMode = func() string {
	if runtime.GOOS == "windows" {
		return "pos"
	}
	return ""
}()

func codeReports(code string) [][]byte {
	if testHIDMode == "pos" {
		return posReports(code)
	}
	return keyReports(code)
}

// posReports sends code as one generic-layout HID-POS report (codes of up
// to 58 bytes fit in one).
func posReports(code string) [][]byte {
	r := make([]byte, 64)
	r[0], r[1] = 0x02, byte(len(code))
	copy(r[2:], "]Q1")
	copy(r[5:], code)
	return [][]byte{r}
}

func TestHIDHotPlug(t *testing.T) {
	clk := newClock()
	cfg := Config{Kind: KindHID, Name: "counter", VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}
	const code = "22abcdef1234567890"
	m := hidManager(t, cfg, Options{Now: clk.Now, Logger: testLogger(t), Backoff: Backoff{Min: time.Millisecond, Max: 4 * time.Millisecond}},
		absent, absent, absent, // not plugged in at start
		func() (conn, error) { return newFakeHID(t, codeReports(code), true), nil },
		absent, absent, // unplugged for a while
		func() (conn, error) {
			clk.Advance(time.Minute)
			return newFakeHID(t, codeReports(code), false), nil
		},
	)
	scans, events, stop := running(t, m, 4, 64)
	var kinds []EventKind
	for len(kinds) < 4 {
		select {
		case ev := <-events:
			if ev.Device != "counter" || ev.Lane != "LANE-5" {
				t.Errorf("event %+v", ev)
			}
			if strings.Contains(ev.Reason, code) {
				t.Errorf("event reason holds the code: %q", ev.Reason)
			}
			kinds = append(kinds, ev.Kind)
		case <-time.After(10 * time.Second):
			t.Fatalf("events so far %v", kinds)
		}
	}
	want := []EventKind{Failed, Connected, Disconnected, Connected}
	if !equal(kinds, want) {
		t.Errorf("events %v, want %v (one error while absent at start, none while unplugged)", kinds, want)
	}
	for range 2 {
		if s := nextScan(t, scans); s.Code != code || s.Lane != "LANE-5" {
			t.Errorf("scan %+v, want %s on LANE-5", s, code)
		}
	}
	stop()
	if len(events) != 0 {
		t.Errorf("extra event %+v", <-events)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDedupIsPerDeviceAndWindowed(t *testing.T) {
	clk := newClock()
	const code = "22abcdef1234567890"
	var reports [][]byte
	for range 3 {
		reports = append(reports, codeReports(code)...)
	}
	reports = append(reports, codeReports("9")...) // marks the end
	cfg := Config{Kind: KindHID, VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}
	m := hidManager(t, cfg, Options{Now: clk.Now, Dedup: time.Second, Logger: testLogger(t)}, func() (conn, error) {
		return newFakeHID(t, reports, false), nil
	})
	scans, _, _ := running(t, m, 8, 8)
	if s := nextScan(t, scans); s.Code != code {
		t.Fatalf("scan %v", s)
	}
	if s := nextScan(t, scans); s.Code != "9" {
		t.Errorf("repeats inside the window were not dropped: got %v", s)
	}
}

func TestScanNobodyTakesIsDroppedLoudly(t *testing.T) {
	const code = "22abcdef1234567890"
	var logs syncBuffer
	cfg := Config{Kind: KindHID, Name: "x", VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}
	m := hidManager(t, cfg, Options{ScanTimeout: 20 * time.Millisecond, Logger: testLogger(t, &logs)}, func() (conn, error) {
		return newFakeHID(t, codeReports(code), false), nil
	})
	_, events, _ := running(t, m, 0, 8) // nobody reads scans
	r := &eventReader{ch: events}
	if ev := r.next(t, "x"); ev.Kind != Connected {
		t.Fatalf("event %+v", ev)
	}
	select {
	case ev := <-events:
		if ev.Kind != Failed || !strings.Contains(ev.Reason, "dropped") || strings.Contains(ev.Reason, code) {
			t.Errorf("event %+v, want an error saying the masked scan was dropped", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event for the dropped scan")
	}
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Error("dropped scan not logged as an error")
	}
}

func TestFullEventsChannelDoesNotStopScans(t *testing.T) {
	cfg := Config{Kind: KindHID, VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}
	m := hidManager(t, cfg, Options{Logger: testLogger(t)}, func() (conn, error) {
		return newFakeHID(t, codeReports("4710001234567"), false), nil
	})
	scans, _, _ := running(t, m, 1, 0) // nobody reads events, none buffered
	if s := nextScan(t, scans); s.Code != "4710001234567" {
		t.Errorf("scan %v", s)
	}
}

func TestHIDUnsupportedIsReported(t *testing.T) {
	var logs syncBuffer
	m, err := NewManager([]Config{{Kind: KindHID, Name: "h", VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}}, Options{Logger: testLogger(t, &logs)})
	if err != nil {
		t.Fatal(err)
	}
	m.hidSupported = false
	_, events, stop := running(t, m, 1, 4)
	select {
	case ev := <-events:
		if ev.Kind != Failed || !strings.Contains(ev.Reason, "cgo") {
			t.Errorf("event %+v, want an error naming cgo", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	stop()
	if st := m.Status()[0]; st.Connected || !strings.Contains(st.LastError, "kind = \"serial\"") {
		t.Errorf("status %+v", st)
	}
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Error("not logged as an error")
	}
}

func TestRunRefusesMisuse(t *testing.T) {
	m, err := NewManager(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background(), nil, nil); err == nil {
		t.Error("Run without a scans channel succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m2 := hidManager(t, Config{Kind: KindHID, VID: "05e0", PID: "1200", TerminalID: "L", Mode: testHIDMode}, Options{}, absent)
	go func() { m2.Run(ctx, make(chan Scan), nil); close(done) }()
	for !m2.running.Load() {
		time.Sleep(time.Millisecond)
	}
	if err := m2.Run(ctx, make(chan Scan), nil); err == nil {
		t.Error("second concurrent Run succeeded")
	}
	cancel()
	<-done
	if _, err := NewManager([]Config{{Kind: "usb"}}, Options{}); err == nil {
		t.Error("NewManager accepted an invalid config")
	}
}

func TestReopenBackoffDoublesUpToTheCap(t *testing.T) {
	for _, tt := range []struct {
		name string
		open func(t *testing.T) func() (conn, error)
	}{
		{"absent", func(*testing.T) func() (conn, error) { return absent }},
		{"fails on first read", func(t *testing.T) func() (conn, error) {
			return func() (conn, error) { return newFakeHID(t, nil, true), nil }
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Kind: KindHID, VID: "05e0", PID: "1200", TerminalID: "L", Mode: testHIDMode}
			m := hidManager(t, cfg, Options{Backoff: Backoff{Min: 100 * time.Millisecond, Max: time.Second}, Logger: testLogger(t)}, tt.open(t))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var delays []time.Duration
			m.sleep = func(_ context.Context, d time.Duration) bool {
				delays = append(delays, d)
				if len(delays) == 7 {
					cancel()
					return false
				}
				return true
			}
			m.Run(ctx, make(chan Scan), make(chan DeviceEvent, 32))
			ms := time.Millisecond
			want := []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second, time.Second}
			if !equal(delays, want) {
				t.Errorf("delays %v, want %v", delays, want)
			}
		})
	}
}

// A HID scanner pulled out whose reads only time out (hidapi on some
// systems) is seen gone by enumeration: disconnected within 2 s, with
// the fix in its status, and connected again once it is back.
func TestHIDRemovalSeenByEnumeration(t *testing.T) {
	cfg := Config{Kind: KindHID, Name: "counter", VID: "05e0", PID: "1200", TerminalID: "LANE-5", Mode: testHIDMode}
	first := newFakeHID(t, nil, false)
	second := newFakeHID(t, codeReports("4710001234567"), false)
	var replugged atomic.Bool
	m := hidManager(t, cfg, Options{Logger: testLogger(t), Backoff: Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}},
		func() (conn, error) { return first, nil },
		func() (conn, error) {
			if !replugged.Load() {
				return nil, errNotPresent
			}
			return second, nil
		})
	scans, ch, _ := running(t, m, 4, 64)
	events := &eventReader{ch: ch}
	if ev := events.next(t, "counter"); ev.Kind != Connected {
		t.Fatalf("event %+v, want connected", ev)
	}
	first.gone.Store(true)
	start := time.Now()
	ev := events.next(t, "counter")
	if ev.Kind != Disconnected || !strings.Contains(ev.Reason, "no longer connected") {
		t.Fatalf("after removal: event %+v, want disconnected saying it is no longer connected", ev)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("removal seen after %s, want within 2s", d)
	}
	st := m.Status()[0]
	if st.Connected || st.Fix == "" || !strings.Contains(st.Fix, "cable") {
		t.Errorf("status while removed = %+v, want not connected with a fix naming the cable", st)
	}
	replugged.Store(true)
	if ev := events.next(t, "counter"); ev.Kind != Connected {
		t.Fatalf("after replug: event %+v, want connected", ev)
	}
	if s := nextScan(t, scans); s.Code != "4710001234567" {
		t.Errorf("scan after replug %+v", s)
	}
	if st := m.Status()[0]; !st.Connected || st.Fix != "" {
		t.Errorf("status after replug = %+v, want connected with no fix", st)
	}
}
