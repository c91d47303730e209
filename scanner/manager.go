package scanner

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/scanner/framing"
)

// Backoff bounds the wait between attempts to reopen a missing or failing
// device: it starts at Min and doubles up to Max.
type Backoff struct {
	Min, Max time.Duration
}

// Options tune a Manager. The zero value is usable.
type Options struct {
	Dedup       time.Duration    // the same code from the same device within this is one scan; default 1s
	Logger      *slog.Logger     // default slog.Default()
	Now         func() time.Time // default time.Now
	Backoff     Backoff          // default 500ms to 5s
	ScanTimeout time.Duration    // how long a scan waits for the consumer before it is dropped, loudly; default 5s
}

func (o Options) withDefaults() Options {
	if o.Dedup == 0 {
		o.Dedup = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Backoff.Min <= 0 {
		o.Backoff.Min = 500 * time.Millisecond
	}
	if o.Backoff.Max < o.Backoff.Min {
		o.Backoff.Max = max(5*time.Second, o.Backoff.Min)
	}
	if o.ScanTimeout <= 0 {
		o.ScanTimeout = 5 * time.Second
	}
	return o
}

// conn is an open scanner as a reader sees it. Read must return within a
// short read timeout, (0, nil) when nothing arrived, so the reader can
// notice the end of its context; only the reader goroutine calls Close,
// after its last Read (Close during Read races on Windows and in hidapi).
// go.bug.st/serial.Port satisfies it; HID devices are wrapped.
type conn interface {
	Read(p []byte) (int, error)
	Close() error
}

// presence is implemented by conns that can tell whether their device is
// still there while reads go on timing out as if it were idle: a USB-serial
// adapter's /dev node (or its by-id link) vanishes, a HID device leaves the
// enumeration, yet the open descriptor may not fail. Gone is nil while the
// device is there, else an error saying why it is not. Only the reader
// goroutine calls it, between reads.
type presence interface {
	Gone() error
}

// presenceEvery is how often a reader asks its conn whether the device is
// still there: an unplug shows within about this long (plus one read).
const presenceEvery = 500 * time.Millisecond

// watch paces a reader's presence checks by the monotonic clock.
type watch struct {
	p    presence
	next time.Time
}

func newWatch(c conn) *watch {
	p, _ := c.(presence)
	return &watch{p: p, next: time.Now().Add(presenceEvery)}
}

// gone checks, at most every presenceEvery, whether the device left.
func (w *watch) gone() error {
	if w.p == nil || time.Now().Before(w.next) {
		return nil
	}
	w.next = time.Now().Add(presenceEvery)
	return w.p.Gone()
}

// opener opens the device a config names, re-resolving it every time
// (by-id symlinks, HID enumeration), so a replugged scanner is found.
type opener func(ctx context.Context, c Config) (conn, error)

// errNotPresent marks an open that failed because the device is not
// there (unplugged), as opposed to there but unusable.
var errNotPresent = errors.New("device not present")

// Manager reads every configured scanner and turns its input into scans.
type Manager struct {
	opts    Options
	log     *slog.Logger
	devices []*device
	running atomic.Bool

	hidSupported bool
	openSerial   opener
	openHID      opener
	sleep        func(ctx context.Context, d time.Duration) bool // waits between reopen attempts
}

// device is one configured scanner. status is guarded by mu; the dedup
// fields and lastFailure belong to the device's reader goroutine.
type device struct {
	cfg Config

	mu     sync.Mutex
	status DeviceStatus

	lastFailure string
	lastCode    [sha256.Size]byte // a hash: the code itself is a credential
	lastAt      time.Time
}

// NewManager validates the scanner tables and prepares a manager.
func NewManager(cfgs []Config, opts Options) (*Manager, error) {
	if err := ValidateAll(cfgs); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	m := &Manager{
		opts:         opts,
		log:          opts.Logger,
		hidSupported: HIDSupported(),
		openSerial:   openSerial,
		openHID:      openHID,
		sleep:        sleep,
	}
	now := opts.Now()
	for _, c := range cfgs {
		c = c.withDefaults()
		m.devices = append(m.devices, &device{cfg: c, status: DeviceStatus{Device: c.Name, Kind: c.Kind, Lane: c.TerminalID, Since: now, Fix: c.Fix(runtime.GOOS)}})
	}
	return m, nil
}

// Status reports every scanner's state, in configuration order.
func (m *Manager) Status() []DeviceStatus {
	out := make([]DeviceStatus, 0, len(m.devices))
	for _, d := range m.devices {
		d.mu.Lock()
		out = append(out, d.status)
		d.mu.Unlock()
	}
	return out
}

// sink is where a manager's output goes.
type sink struct {
	scans  chan<- Scan
	events chan<- DeviceEvent
}

// Run reads all scanners until ctx ends, sending scans and device events.
// A scan the consumer does not take within Options.ScanTimeout is dropped
// with an error log and an error event; events are dropped with a warning
// when events is full (or not read). events may be nil.
func (m *Manager) Run(ctx context.Context, scans chan<- Scan, events chan<- DeviceEvent) error {
	if scans == nil {
		return errors.New("scanner: Run needs a scans channel")
	}
	if !m.running.CompareAndSwap(false, true) {
		return errors.New("scanner: Run called twice on one Manager; make one Manager per run")
	}
	defer m.running.Store(false)
	s := sink{scans, events}
	var wg sync.WaitGroup
	for _, d := range m.devices {
		if d.cfg.Kind == KindHID && !m.hidSupported {
			reason := "USB HID is not supported by this build of scanpay (built without cgo, or on an unsupported system): use a build with HID support, or switch the scanner to USB-serial (COM) mode and use kind = \"serial\""
			m.log.Error("scanner: HID scanner configured but HID unsupported", "device", d.cfg.Name, "lane", d.cfg.TerminalID, "fix", reason)
			m.failed(d, s, reason)
			continue
		}
		wg.Go(func() { m.run(ctx, d, s) })
	}
	wg.Wait()
	return nil
}

// run keeps one device open until ctx ends: open, read until it fails,
// report, back off, reopen.
func (m *Manager) run(ctx context.Context, d *device, s sink) {
	open := m.openSerial
	if d.cfg.Kind == KindHID {
		open = m.openHID
	}
	delay := m.opts.Backoff.Min
	for ctx.Err() == nil {
		c, err := open(ctx, d.cfg)
		if err != nil {
			key := err.Error()
			if errors.Is(err, errNotPresent) {
				key = "absent" // one report per absence, however long it lasts
			}
			if key != d.lastFailure {
				d.lastFailure = key
				m.log.Warn("scanner: cannot open", "device", d.cfg.Name, "lane", d.cfg.TerminalID, "err", err, "retry_in", delay)
				m.failed(d, s, err.Error())
			}
			if !m.sleep(ctx, delay) {
				return
			}
			delay = min(2*delay, m.opts.Backoff.Max)
			continue
		}
		d.lastFailure = ""
		connectedAt := time.Now()
		m.log.Info("scanner: connected", "device", d.cfg.Name, "lane", d.cfg.TerminalID, "kind", d.cfg.Kind)
		if d.cfg.Kind == KindHID && d.cfg.Mode == "keyboard" {
			m.log.Info("scanner: keyboard-mode scanner taken from the system: the POS receives its scans from scanpay, not as keystrokes", "device", d.cfg.Name)
		}
		m.setStatus(d, true, "")
		m.emit(s, d, Connected, "")

		err = m.read(ctx, d, c, s)
		cerr := c.Close()
		if ctx.Err() != nil {
			m.setStatus(d, false, "")
			return
		}
		reason := "device closed"
		if err != nil {
			reason = err.Error()
		} else if cerr != nil {
			reason = cerr.Error()
		}
		d.lastFailure = "absent" // while it stays unplugged, the disconnect said it all
		m.log.Warn("scanner: disconnected", "device", d.cfg.Name, "lane", d.cfg.TerminalID, "reason", reason)
		m.setStatus(d, false, reason)
		m.emit(s, d, Disconnected, reason)
		// A device that fails as soon as it opens backs off like one that
		// does not open; one that worked for a while is retried at once.
		if time.Since(connectedAt) > m.opts.Backoff.Max {
			delay = m.opts.Backoff.Min
		}
		if !m.sleep(ctx, delay) {
			return
		}
		delay = min(2*delay, m.opts.Backoff.Max)
	}
}

// read runs the device's decoder until the device fails or ctx ends.
func (m *Manager) read(ctx context.Context, d *device, c conn, s sink) error {
	switch {
	case d.cfg.Kind == KindSerial:
		return m.readSerial(ctx, d, c, s)
	case d.cfg.Mode == "pos":
		return m.readPOS(ctx, d, c, s)
	default:
		return m.readKeyboard(ctx, d, c, s)
	}
}

func (m *Manager) readSerial(ctx context.Context, d *device, c conn, s sink) error {
	term, _ := framing.ParseTerminator(d.cfg.Terminator)
	fr := framing.New(framing.Config{Terminator: term, Gap: d.cfg.Gap, MaxFrame: d.cfg.MaxFrame})
	buf := make([]byte, 512)
	w := newWatch(c)
	for ctx.Err() == nil {
		if err := w.gone(); err != nil {
			return err
		}
		n, err := c.Read(buf)
		now := m.opts.Now()
		var frames []framing.Frame
		if n > 0 {
			frames = fr.Push(buf[:n], now)
		}
		frames = append(frames, fr.Tick(now)...)
		for _, f := range frames {
			m.deliver(ctx, d, s, f.Data, "", f.Err)
		}
		if err != nil {
			return readError(err)
		}
	}
	return nil
}

// readError turns a read failure into a disconnect reason.
func readError(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("device closed (unplugged?)")
	}
	return fmt.Errorf("read failed (unplugged?): %w", err)
}

// deliver cleans a frame, drops duplicates and sends the scan.
func (m *Manager) deliver(ctx context.Context, d *device, s sink, frame []byte, symbology string, ferr error) {
	log := m.log.With("device", d.cfg.Name, "lane", d.cfg.TerminalID)
	if ferr != nil {
		log.Warn("scanner: input discarded", "err", ferr)
		return
	}
	code, sym, err := framing.Clean(frame, d.cfg.cleanOptions())
	if errors.Is(err, framing.ErrEmpty) {
		log.Debug("scanner: empty frame ignored")
		return
	}
	if err != nil {
		log.Warn("scanner: input discarded", "err", err)
		return
	}
	if symbology == "" {
		symbology = sym
	}
	now := m.opts.Now()
	sum := sha256.Sum256([]byte(code))
	if sum == d.lastCode && now.Sub(d.lastAt) < m.opts.Dedup {
		// Sliding: a scanner in presentation mode re-reads a code for as
		// long as it is held in view; that is still one scan.
		d.lastAt = now
		log.Debug("scanner: duplicate scan dropped", "code", mask.Code(code))
		return
	}
	d.lastCode, d.lastAt = sum, now
	scan := Scan{Device: d.cfg.Name, Lane: d.cfg.TerminalID, Code: code, Symbology: symbology, At: now}
	d.mu.Lock()
	d.status.LastScan = now
	d.mu.Unlock()

	t := time.NewTimer(m.opts.ScanTimeout)
	defer t.Stop()
	select {
	case s.scans <- scan:
		log.Debug("scanner: scan", "code", mask.Code(code), "symbology", symbology)
	case <-ctx.Done():
		log.Warn("scanner: scan not delivered: shutting down", "code", mask.Code(code))
	case <-t.C:
		reason := fmt.Sprintf("scan %s dropped: nothing took it for %s; the engine is stuck or overloaded, the customer must scan again", mask.Code(code), m.opts.ScanTimeout)
		log.Error("scanner: "+reason, "code", mask.Code(code))
		m.emit(s, d, Failed, reason)
	}
}

func (m *Manager) failed(d *device, s sink, reason string) {
	m.setStatus(d, false, reason)
	m.emit(s, d, Failed, reason)
}

func (m *Manager) setStatus(d *device, connected bool, lastErr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.status.Connected != connected || d.status.LastError != lastErr {
		d.status.Since = m.opts.Now()
	}
	d.status.Connected = connected
	d.status.LastError = lastErr
	d.status.Fix = ""
	if !connected {
		d.status.Fix = d.cfg.Fix(runtime.GOOS)
	}
}

// emit sends an event without ever blocking the reader.
func (m *Manager) emit(s sink, d *device, kind EventKind, reason string) {
	if s.events == nil {
		return
	}
	ev := DeviceEvent{Device: d.cfg.Name, Lane: d.cfg.TerminalID, Kind: kind, Reason: reason, At: m.opts.Now()}
	select {
	case s.events <- ev:
	default:
		m.log.Warn("scanner: device event dropped: events channel full", "device", d.cfg.Name, "kind", kind)
	}
}

// sleep waits d or until ctx ends; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
