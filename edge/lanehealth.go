package edge

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/scanner"
)

// Scanners is what the engine asks of the scanners for lane health: each
// configured scanner's current state (scanner.Manager has it).
type Scanners interface {
	Status() []scanner.DeviceStatus
}

// DefaultScannerGrace is how long a scanner that has not been connected
// since start may take to open before it is a problem.
const DefaultScannerGrace = 3 * time.Second

// laneCheckEvery paces lane health: with the scanner's own 500ms presence
// check, an unplug is a problem well within 2 s.
const laneCheckEvery = 200 * time.Millisecond

// Warning is something the POS may show the cashier about an answer that
// is otherwise fine.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WarnNoScanner: the checkout's lane has scanners, none of them connected.
const WarnNoScanner = "no_scanner_connected"

// laneHealth follows the scanners, keyed by device name. A scanner that
// was connected in this run and is not any more is a problem at once; one
// never connected since start, once it has been down for the grace period
// (opening takes a moment). Times are the engine's steady clock.
type laneHealth struct {
	mu     sync.Mutex
	wasUp  map[string]bool          // connected at least once in this run
	down   map[string]time.Duration // since when (clock.Elapsed) it is seen down
	bad    map[string]bool          // reported as a problem now
	byLane map[string][]string      // lane → its scanners, from the last look
	kick   chan struct{}
}

func newLaneHealth() *laneHealth {
	return &laneHealth{wasUp: map[string]bool{}, down: map[string]time.Duration{}, bad: map[string]bool{},
		byLane: map[string][]string{}, kick: make(chan struct{}, 1)}
}

// laneLoop keeps the scanner problems current until ctx ends.
func (e *Engine) laneLoop(ctx context.Context) {
	if e.cfg.Scanners == nil {
		return
	}
	t := time.NewTicker(laneCheckEvery)
	defer t.Stop()
	for {
		e.checkLanes()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.laneHealth.kick:
		}
	}
}

func (e *Engine) checkLanes() {
	lh := e.laneHealth
	now := e.clock.Elapsed()
	statuses := e.cfg.Scanners.Status()
	type change struct{ key, text string }
	var changes []change
	lh.mu.Lock()
	clear(lh.byLane)
	for _, st := range statuses {
		lh.byLane[st.Lane] = append(lh.byLane[st.Lane], st.Device)
		key := "scanner:" + st.Device
		if st.Connected {
			lh.wasUp[st.Device] = true
			delete(lh.down, st.Device)
			lh.bad[st.Device] = false
			changes = append(changes, change{key, ""})
			continue
		}
		since, seen := lh.down[st.Device]
		if !seen {
			since = now
			lh.down[st.Device] = now
		}
		if lh.wasUp[st.Device] || now-since >= e.cfg.ScannerGrace {
			lh.bad[st.Device] = true
			changes = append(changes, change{key, scannerProblem(st)})
		}
	}
	lh.mu.Unlock()
	for _, c := range changes {
		e.setProblem(c.key, c.text)
	}
}

// scannerProblem names the device, the lane and the likely fix. It holds
// no time, so that it changes (and is logged again) only when the reason
// does.
func scannerProblem(st scanner.DeviceStatus) string {
	why := st.LastError
	if why == "" {
		why = "not opened since scanpay started"
	}
	fix := st.Fix
	if fix == "" {
		fix = "check the scanner and its cable"
	}
	return fmt.Sprintf("scanner %s on lane %s is not connected (%s): %s; until it is, the POS must send the code itself (barcode in the checkout, or POST /v1/scans)", st.Device, st.Lane, why, fix)
}

// deviceChanged marks a scanner's event: a disconnect means it was
// connected, so it is a problem at once, whatever the last look saw.
func (lh *laneHealth) deviceChanged(ev scanner.DeviceEvent) {
	if ev.Kind == scanner.Disconnected {
		lh.mu.Lock()
		lh.wasUp[ev.Device] = true
		lh.mu.Unlock()
	}
	select {
	case lh.kick <- struct{}{}:
	default:
	}
}

// warnings are the checkout's warnings for lane: none unless the lane has
// scanners and every one of them is a problem now.
func (lh *laneHealth) warnings(lane string) []Warning {
	lh.mu.Lock()
	defer lh.mu.Unlock()
	devs := lh.byLane[lane]
	if len(devs) == 0 {
		return nil
	}
	for _, d := range devs {
		if !lh.bad[d] {
			return nil
		}
	}
	names := append([]string(nil), devs...)
	sort.Strings(names)
	return []Warning{{Code: WarnNoScanner, Message: fmt.Sprintf(
		"no scanner is connected on lane %s (%s): the customer's code cannot be scanned there; scan it with the POS and send it (POST /v1/scans or barcode), or fix the scanner (GET /v1/status says how)",
		lane, strings.Join(names, ", "))}}
}
