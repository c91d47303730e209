package framing

import (
	"fmt"
	"strings"
	"time"
)

// Terminator is the byte sequence a scanner sends after each code.
type Terminator int

// Terminators. None means frames end after a silence of Config.Gap.
const (
	None Terminator = iota
	CR
	LF
	CRLF
	ETX
)

var terminatorNames = map[Terminator]string{None: "", CR: "CR", LF: "LF", CRLF: "CRLF", ETX: "ETX"}

// String is the configuration spelling ("CR", "CRLF", "" for gap framing).
func (t Terminator) String() string { return terminatorNames[t] }

// ParseTerminator reads a configured terminator, case-insensitively.
func ParseTerminator(s string) (Terminator, bool) {
	for t, name := range terminatorNames {
		if strings.EqualFold(name, s) {
			return t, true
		}
	}
	return None, false
}

// DefaultMaxFrame bounds a frame when the configuration does not: longer
// than any wallet code or e-invoice QR payload, small enough that a
// babbling scanner cannot grow memory.
const DefaultMaxFrame = 1024

// Config says how frames end.
type Config struct {
	Terminator Terminator
	Gap        time.Duration // with Terminator None: a frame ends after this much silence
	MaxFrame   int           // longest frame kept; 0 means DefaultMaxFrame
}

// Frame is one framed chunk, or the report that one was discarded.
type Frame struct {
	Data []byte // nil when Err is set
	Err  error  // *TooLongError when the frame overflowed MaxFrame
}

// TooLongError reports a frame discarded because it grew past MaxFrame:
// usually a wrong terminator setting or a scanner sending garbage.
type TooLongError struct {
	Len, Max int
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("frame of %d bytes discarded, longer than max_frame = %d: check that terminator matches the scanner's suffix setting, or raise max_frame", e.Len, e.Max)
}

// Framer accumulates bytes into frames. Not safe for concurrent use; each
// device reader owns one.
type Framer struct {
	cfg     Config
	buf     []byte
	dropped int // bytes beyond MaxFrame in the current frame, when > 0 the frame is being discarded
	last    time.Time
}

// New returns a Framer for cfg.
func New(cfg Config) *Framer {
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = DefaultMaxFrame
	}
	return &Framer{cfg: cfg}
}

// Pending reports whether a partial frame is buffered.
func (f *Framer) Pending() bool { return len(f.buf) > 0 || f.dropped > 0 }

// Push feeds bytes that arrived at time at and returns the frames they
// completed, in order.
func (f *Framer) Push(p []byte, at time.Time) []Frame {
	var out []Frame
	if f.cfg.Terminator == None {
		out = f.Tick(at)
	}
	for _, b := range p {
		if fr, ok := f.add(b); ok {
			out = append(out, fr)
		}
	}
	if len(p) > 0 {
		f.last = at
	}
	return out
}

// Tick ends a gap-framed frame when the line has been silent for Gap.
// Callers call it after every read, including reads that timed out.
func (f *Framer) Tick(now time.Time) []Frame {
	if f.cfg.Terminator != None || !f.Pending() || now.Sub(f.last) < f.cfg.Gap {
		return nil
	}
	// A gap-framed scanner may still send CR/LF that nobody configured.
	fr, ok := f.end(len(f.buf), func(b byte) bool { return b == '\r' || b == '\n' })
	if !ok {
		return nil
	}
	return []Frame{fr}
}

func (f *Framer) add(b byte) (Frame, bool) {
	// CR and LF between frames are line noise (a CRLF scanner set to CR,
	// a scanner sending a bare CR): skip them rather than start a frame.
	if len(f.buf) == 0 && f.dropped == 0 && (b == '\r' || b == '\n') {
		return Frame{}, false
	}
	switch f.cfg.Terminator {
	case CR:
		if b == '\r' {
			return f.end(len(f.buf), nil)
		}
	case LF:
		if b == '\n' {
			return f.end(len(f.buf), nil)
		}
	case ETX:
		if b == 0x03 {
			return f.end(len(f.buf), nil)
		}
	case CRLF:
		if b == '\n' && len(f.buf) > 0 && f.buf[len(f.buf)-1] == '\r' {
			return f.end(len(f.buf)-1, nil)
		}
		if b == '\n' && f.dropped > 0 {
			return f.end(len(f.buf), nil)
		}
	}
	// One byte of slack holds the CR of a CRLF still being received.
	if len(f.buf) <= f.cfg.MaxFrame {
		f.buf = append(f.buf, b)
	} else {
		f.dropped++
	}
	return Frame{}, false
}

// end completes the frame made of buf[:n], trimming trailing bytes for
// which trim says so.
func (f *Framer) end(n int, trim func(byte) bool) (Frame, bool) {
	data := f.buf[:n]
	for trim != nil && len(data) > 0 && trim(data[len(data)-1]) {
		data = data[:len(data)-1]
	}
	total := len(data) + f.dropped
	var fr Frame
	switch {
	case total > f.cfg.MaxFrame:
		fr = Frame{Err: &TooLongError{Len: total, Max: f.cfg.MaxFrame}}
	case len(data) == 0:
		f.reset()
		return Frame{}, false
	default:
		fr = Frame{Data: append([]byte(nil), data...)}
	}
	f.reset()
	return fr, true
}

func (f *Framer) reset() {
	f.buf = f.buf[:0]
	f.dropped = 0
}
