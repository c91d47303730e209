package hidpos

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/scanpay/scanpay/scanner/framing"
)

// Layout says where the fields of a scanned-data input report are.
// Offsets count from the first byte Read returns, the report id.
type Layout struct {
	Name     string
	ReportID byte // the scanned-data report's id; reports with other ids are ignored
	LengthAt int  // the byte holding how many data bytes this report carries
	DataAt   int  // the first data byte
	DataMax  int  // data bytes one report can carry
	AIMAt    int  // the 3-byte AIM symbology identifier; -1 when the report has none
	MoreAt   int  // the byte holding the "more follows" flag
	MoreMask byte // the flag's bit(s) in that byte
}

// Built-in layouts.
var (
	// Generic is the common 64-byte layout: report id 2, length, AIM id,
	// data, and "more follows" in bit 0 of the last byte.
	Generic = Layout{Name: "generic", ReportID: 0x02, LengthAt: 1, AIMAt: 2, DataAt: 5, DataMax: 58, MoreAt: 63, MoreMask: 0x01}
	// Honeywell scanners (VID 0x0c2e) send 56 data bytes right after the
	// length, the AIM id after the data, and the flag in the last byte.
	Honeywell = Layout{Name: "honeywell", ReportID: 0x02, LengthAt: 1, DataAt: 2, DataMax: 56, AIMAt: 58, MoreAt: 63, MoreMask: 0x01}
)

var layouts = map[string]Layout{Generic.Name: Generic, Honeywell.Name: Honeywell}

// LayoutByName finds a built-in layout, case-insensitively.
func LayoutByName(name string) (Layout, bool) {
	l, ok := layouts[strings.ToLower(name)]
	return l, ok
}

// LayoutNames lists the built-in layouts, for error messages.
func LayoutNames() []string { return slices.Sorted(maps.Keys(layouts)) }

// minLen is the shortest report holding every field of l.
func (l Layout) minLen() int {
	n := max(l.LengthAt, l.MoreAt) + 1
	if l.AIMAt >= 0 {
		n = max(n, l.AIMAt+3)
	}
	return n
}

// ReportError reports a malformed scanned-data report; the barcode being
// assembled is discarded.
type ReportError struct {
	Layout string
	Len    int
	Reason string
}

func (e *ReportError) Error() string {
	return fmt.Sprintf("HID-POS report of %d bytes discarded: %s: check pos_layout (now %q; built in: %s) against the scanner's manual", e.Len, e.Reason, e.Layout, strings.Join(LayoutNames(), ", "))
}

// ErrTooLong reports a barcode discarded for growing past the maximum.
var ErrTooLong = errors.New("HID-POS barcode discarded: longer than max_frame; raise max_frame")

// Barcode is one complete scan, or why one was discarded.
type Barcode struct {
	Data      []byte
	Symbology string // AIM id from the report's own field, when it has one
	Err       error
}

// Decoder joins reports into barcodes. Not safe for concurrent use.
type Decoder struct {
	layout   Layout
	max      int
	buf      []byte
	aim      string
	partial  bool
	overflow bool
}

// NewDecoder returns a decoder for layout keeping barcodes of at most max
// bytes (max <= 0: 4096).
func NewDecoder(layout Layout, max int) *Decoder {
	if max <= 0 {
		max = 4096
	}
	return &Decoder{layout: layout, max: max}
}

// Report decodes one input report. It returns a barcode when the report
// completed one (or broke one), and false while more reports are expected
// or for reports that carry no scanned data.
func (d *Decoder) Report(r []byte) (Barcode, bool) {
	l := d.layout
	if len(r) == 0 || r[0] != l.ReportID {
		return Barcode{}, false
	}
	if len(r) < l.minLen() {
		return d.fail(len(r), fmt.Sprintf("shorter than the %d bytes of the layout", l.minLen()))
	}
	n := int(r[l.LengthAt])
	if n > l.DataMax || l.DataAt+n > len(r) {
		return d.fail(len(r), fmt.Sprintf("data length %d does not fit the report", n))
	}
	if !d.partial && l.AIMAt >= 0 {
		d.aim, _ = framing.AIMPrefix(r[l.AIMAt : l.AIMAt+3])
	}
	d.partial = true
	if len(d.buf)+n > d.max {
		d.overflow = true
	} else {
		d.buf = append(d.buf, r[l.DataAt:l.DataAt+n]...)
	}
	if r[l.MoreAt]&l.MoreMask != 0 {
		return Barcode{}, false
	}
	defer d.reset()
	switch {
	case d.overflow:
		return Barcode{Err: ErrTooLong}, true
	case len(d.buf) == 0:
		return Barcode{}, false
	}
	return Barcode{Data: append([]byte(nil), d.buf...), Symbology: d.aim}, true
}

func (d *Decoder) fail(n int, reason string) (Barcode, bool) {
	d.reset()
	return Barcode{Err: &ReportError{Layout: d.layout.Name, Len: n, Reason: reason}}, true
}

func (d *Decoder) reset() {
	d.buf, d.aim, d.partial, d.overflow = d.buf[:0], "", false, false
}
