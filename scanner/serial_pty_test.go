//go:build !windows

package scanner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// newPTY opens a pseudo-terminal and returns its master and the slave's
// path. The test's own slave descriptor is closed, so the scanpay reader
// is the only one on the slave, as on a real port.
func newPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pty: %v", err)
	}
	name := slave.Name()
	slave.Close()
	t.Cleanup(func() { master.Close() })
	return master, name
}

// point makes link point at target, replacing it atomically the way udev
// re-points /dev/serial/by-id links.
func point(t *testing.T, link, target string) {
	t.Helper()
	tmp := link + ".new"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// typeInto writes s to the master in odd-sized chunks with pauses, so the
// reader sees partial frames as from a real 9600-baud line.
func typeInto(t *testing.T, master *os.File, s string) {
	t.Helper()
	sizes := []int{1, 3, 2, 5, 7}
	for i := 0; len(s) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(s))
		if _, err := master.Write([]byte(s[:n])); err != nil {
			t.Fatalf("writing to pty: %v", err)
		}
		s = s[n:]
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSerialScannerThroughPTYSurvivesUnplugAndReplug(t *testing.T) {
	dir := t.TempDir()
	front := filepath.Join(dir, "usb-Honeywell_1900_FRONT-if00")
	back := filepath.Join(dir, "usb-Newland_BACK-if00")
	frontMaster, frontPath := newPTY(t)
	backMaster, backPath := newPTY(t)
	point(t, front, frontPath)
	point(t, back, backPath)

	clk := newClock()
	var logs syncBuffer
	m, err := NewManager([]Config{
		{Kind: KindSerial, Name: "front", Port: front, Baud: 115200, TerminalID: "LANE-7", AIM: true},
		{Kind: KindSerial, Name: "back", Port: back, Baud: 9600, Parity: "even", DataBits: 7, Terminator: "CRLF", TerminalID: "LANE-8", STX: true},
	}, Options{Now: clk.Now, Logger: testLogger(t, &logs), Backoff: Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	scans, ch, stop := running(t, m, 16, 64)
	events := &eventReader{ch: ch}
	if ev := events.next(t, "front"); ev.Kind != Connected || ev.Lane != "LANE-7" {
		t.Fatalf("first front event %+v, want connected on LANE-7", ev)
	}
	if ev := events.next(t, "back"); ev.Kind != Connected {
		t.Fatalf("first back event %+v, want connected", ev)
	}

	const code = "2212345678901234AB"
	typeInto(t, frontMaster, "]Q1"+code+"\r")
	typeInto(t, backMaster, "\x02/ABC+123\r\n")
	got := map[string]Scan{}
	for range 2 {
		s := nextScan(t, scans)
		got[s.Lane] = s
	}
	if s := got["LANE-7"]; s.Code != code || s.Device != "front" || s.Symbology != "]Q1" || !s.At.Equal(clk.Now()) {
		t.Errorf("LANE-7 scan = %+v, want %s from front with ]Q1", s, code)
	}
	if s := got["LANE-8"]; s.Code != "/ABC+123" || s.Device != "back" {
		t.Errorf("LANE-8 scan = %+v, want /ABC+123 from back", s)
	}

	// The same code again inside the dedup window is the same scan; a
	// garbage frame is dropped; the next code still comes through.
	typeInto(t, frontMaster, "]Q1"+code+"\r]Q122\x1d99\r]Q1"+"22AAAABBBBCCCCDDDD\r")
	if s := nextScan(t, scans); s.Code != "22AAAABBBBCCCCDDDD" {
		t.Errorf("after a duplicate and a garbage frame: got %v, want 22AAAABBBBCCCCDDDD", s)
	}

	// The replacement pty exists before the unplug, so it has another
	// number: reaching it proves the link is re-resolved on reopen.
	frontMaster2, frontPath2 := newPTY(t)

	// Unplug: the master goes away, and so does the pty.
	frontMaster.Close()
	if ev := events.next(t, "front"); ev.Kind != Disconnected || ev.Reason == "" {
		t.Fatalf("after unplug: event %+v, want disconnected with a reason", ev)
	}
	if st := m.Status()[0]; st.Connected || st.LastError == "" {
		t.Errorf("status while unplugged = %+v", st)
	}

	// Replug: a new pty behind the same by-id link, as udev does.
	clk.Advance(2 * time.Second) // past the dedup window
	point(t, front, frontPath2)
	if ev := events.next(t, "front"); ev.Kind != Connected || ev.Lane != "LANE-7" {
		t.Fatalf("after replug: event %+v, want connected on LANE-7", ev)
	}
	typeInto(t, frontMaster2, "]Q1"+code+"\r")
	if s := nextScan(t, scans); s.Code != code || s.Lane != "LANE-7" {
		t.Errorf("after replug: scan %+v, want %s on LANE-7", s, code)
	}
	if st := m.Status()[0]; !st.Connected || !st.LastScan.Equal(clk.Now()) {
		t.Errorf("status after replug = %+v", st)
	}

	stop()
	if len(scans) != 0 {
		t.Errorf("%d extra scans, first %v", len(scans), <-scans)
	}
	if strings.Contains(logs.String(), code) || strings.Contains(logs.String(), "AAAABBBBCCCC") {
		t.Error("a full code reached the log")
	}
	if !strings.Contains(logs.String(), "control byte 0x1D") {
		t.Error("the garbage frame was not reported")
	}
}

func TestSerialGapFramingThroughPTY(t *testing.T) {
	master, path := newPTY(t)
	m, err := NewManager([]Config{{Kind: KindSerial, Port: path, TerminalID: "LANE-1", Gap: 40 * time.Millisecond}},
		Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	scans, ch, _ := running(t, m, 4, 16)
	events := &eventReader{ch: ch}
	if ev := events.next(t, path); ev.Kind != Connected {
		t.Fatalf("event %+v, want connected", ev)
	}
	typeInto(t, master, "4710001234567")
	if s := nextScan(t, scans); s.Code != "4710001234567" || s.Device != path {
		t.Errorf("scan %+v, want 4710001234567 from %s", s, path)
	}
}

func TestBabblingSerialScannerCannotGrowMemory(t *testing.T) {
	master, path := newPTY(t)
	var logs syncBuffer
	m, err := NewManager([]Config{{Kind: KindSerial, Port: path, TerminalID: "LANE-1", MaxFrame: 32}}, Options{Logger: testLogger(t, &logs)})
	if err != nil {
		t.Fatal(err)
	}
	scans, ch, _ := running(t, m, 4, 16)
	events := &eventReader{ch: ch}
	if ev := events.next(t, path); ev.Kind != Connected {
		t.Fatalf("event %+v, want connected", ev)
	}
	if _, err := master.Write([]byte(strings.Repeat("X", 5000) + "\r")); err != nil {
		t.Fatal(err)
	}
	typeInto(t, master, "2212345678901234AB\r")
	if s := nextScan(t, scans); s.Code != "2212345678901234AB" {
		t.Errorf("scan %+v after the babble, want the code", s)
	}
	if !strings.Contains(logs.String(), "frame of 5000 bytes discarded") {
		t.Error("the overlong frame was not reported with its size")
	}
}

// A USB-serial adapter pulled out takes its /dev node and by-id link with
// it; the open descriptor may keep reading nothing. Removing the link
// while the pty stays open is that: disconnected within 2 s, the fix in
// the status, and connected again when the link comes back.
func TestSerialNodeVanishingIsAnUnplug(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "usb-Honeywell_1900-if00")
	master, path := newPTY(t)
	point(t, link, path)
	m, err := NewManager([]Config{{Kind: KindSerial, Name: "front", Port: link, TerminalID: "LANE-7"}},
		Options{Logger: testLogger(t), Backoff: Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	scans, ch, _ := running(t, m, 4, 64)
	events := &eventReader{ch: ch}
	if ev := events.next(t, "front"); ev.Kind != Connected {
		t.Fatalf("event %+v, want connected", ev)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ev := events.next(t, "front")
	if ev.Kind != Disconnected || !strings.Contains(ev.Reason, "vanished") {
		t.Fatalf("after the node vanished: event %+v, want disconnected saying it vanished", ev)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("vanished node seen after %s, want within 2s", d)
	}
	if st := m.Status()[0]; st.Connected || !strings.Contains(st.Fix, "/dev/serial/by-id") {
		t.Errorf("status = %+v, want not connected with a fix naming /dev/serial/by-id (the link is not under it)", st)
	}
	point(t, link, path)
	if ev := events.next(t, "front"); ev.Kind != Connected {
		t.Fatalf("after replug: event %+v, want connected", ev)
	}
	typeInto(t, master, "4710001234567\r")
	if s := nextScan(t, scans); s.Code != "4710001234567" {
		t.Errorf("scan after replug %+v", s)
	}
}
