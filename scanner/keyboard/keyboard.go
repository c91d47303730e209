package keyboard

import (
	"errors"
	"fmt"
	"unicode"
)

// Keyboard-page usages with a meaning beyond a character.
const (
	usageRollOver = 0x01 // "too many keys": the report carries no key state
	usageEnter    = 0x28
	usageTab      = 0x2B
	usageCapsLock = 0x39
	usageKPEnter  = 0x58
)

// Modifier bits of the first report byte.
const (
	modLeftCtrl   = 0x01
	modLeftShift  = 0x02
	modLeftAlt    = 0x04
	modLeftGUI    = 0x08
	modRightCtrl  = 0x10
	modRightShift = 0x20
	modRightAlt   = 0x40
	modRightGUI   = 0x80
	modShift      = modLeftShift | modRightShift
	modOther      = modLeftCtrl | modLeftAlt | modLeftGUI | modRightCtrl | modRightAlt | modRightGUI
)

// ReportLen is the size of a boot-keyboard input report.
const ReportLen = 8

// ErrShortReport is a report too short to be a boot-keyboard report.
var ErrShortReport = errors.New("keyboard report shorter than 8 bytes: the device is not in boot-keyboard mode; set mode = \"pos\" if it is a HID-POS scanner")

// UnmappedError reports a line that held a key the layout cannot type:
// usually a layout mismatch between scanner and configuration.
type UnmappedError struct {
	Usage     byte
	Modifiers byte
	Layout    string
}

func (e *UnmappedError) Error() string {
	return fmt.Sprintf("line discarded: key usage 0x%02X (modifiers 0x%02X) is not a character in layout %q: set the scanner's keyboard country to match layout, or turn off control-character output", e.Usage, e.Modifiers, e.Layout)
}

// TooLongError reports a line discarded for growing past the maximum.
type TooLongError struct{ Max int }

func (e *TooLongError) Error() string {
	return fmt.Sprintf("line discarded: longer than max_frame = %d characters without Enter or Tab: make the scanner send Enter after each code, or raise max_frame", e.Max)
}

// Line is one line typed by the scanner, ended by Enter or Tab, or the
// reason it was discarded.
type Line struct {
	Text string
	Err  error
}

// Decoder turns a sequence of reports into lines. Not safe for concurrent
// use; each device reader owns one.
type Decoder struct {
	layout   Layout
	max      int
	caps     bool
	prev     [6]byte
	line     []rune
	bad      error
	overflow bool
}

// NewDecoder returns a decoder for layout, keeping lines of at most max
// characters (max <= 0: 1024).
func NewDecoder(layout Layout, max int) *Decoder {
	if max <= 0 {
		max = 1024
	}
	return &Decoder{layout: layout, max: max}
}

// Report decodes one input report and returns the lines it completed.
func (d *Decoder) Report(r []byte) ([]Line, error) {
	if len(r) < ReportLen {
		return nil, ErrShortReport
	}
	mods := r[0]
	var keys [6]byte
	copy(keys[:], r[2:8])
	for _, k := range keys {
		if k == usageRollOver {
			return nil, nil // phantom state; the next report repeats the real one
		}
	}
	var out []Line
	for _, k := range keys {
		if k == 0 || pressed(d.prev, k) {
			continue // no key, or held since the last report: a repeat needs a release first
		}
		if l, ok := d.press(k, mods); ok {
			out = append(out, l)
		}
	}
	d.prev = keys
	return out, nil
}

func pressed(keys [6]byte, k byte) bool {
	for _, p := range keys {
		if p == k {
			return true
		}
	}
	return false
}

func (d *Decoder) press(k, mods byte) (Line, bool) {
	switch k {
	case usageEnter, usageKPEnter, usageTab:
		return d.end()
	case usageCapsLock:
		d.caps = !d.caps
		return Line{}, false
	}
	key, ok := d.layout.Keys[k]
	if !ok || mods&modOther != 0 {
		if d.bad == nil {
			d.bad = &UnmappedError{Usage: k, Modifiers: mods, Layout: d.layout.Name}
		}
		return Line{}, false
	}
	shift := mods&modShift != 0
	if d.caps && unicode.IsLetter(key.Normal) {
		shift = !shift
	}
	c := key.Normal
	if shift {
		c = key.Shifted
	}
	if len(d.line) >= d.max {
		d.overflow = true
		return Line{}, false
	}
	d.line = append(d.line, c)
	return Line{}, false
}

// end completes the current line. Empty lines (a lone Enter) are dropped.
func (d *Decoder) end() (Line, bool) {
	defer func() { d.line, d.bad, d.overflow = d.line[:0], nil, false }()
	switch {
	case d.overflow:
		return Line{Err: &TooLongError{Max: d.max}}, true
	case d.bad != nil:
		return Line{Err: d.bad}, true
	case len(d.line) == 0:
		return Line{}, false
	}
	return Line{Text: string(d.line)}, true
}
