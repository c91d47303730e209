package framing

import (
	"bytes"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/scanpay/scanpay/internal/mask"
)

// CleanOptions are the per-scanner cleaning rules.
type CleanOptions struct {
	StripSTX bool   // drop a leading STX (0x02)
	Prefix   string // dropped from the start when present
	Suffix   string // dropped from the end when present
	AIM      bool   // the scanner sends AIM symbology identifiers ("]Q1") first
}

// ErrEmpty means nothing was left of a frame after cleaning, or only
// spaces: a scanner's keep-alive or a trigger pulled at nothing, never a code.
var ErrEmpty = errors.New("empty frame")

// RejectError reports a frame holding a byte no code may contain. Masked
// is the frame masked for logs (non-printables shown as '.').
type RejectError struct {
	Masked string
	Offset int
	Byte   byte
	UTF8   bool // the frame was not valid UTF-8 at Offset
}

func (e *RejectError) Error() string {
	if e.UTF8 {
		return fmt.Sprintf("frame %s rejected: invalid UTF-8 at offset %d: check baud, data_bits and parity against the scanner's settings", e.Masked, e.Offset)
	}
	return fmt.Sprintf("frame %s rejected: control byte 0x%02X at offset %d: set strip_stx, prefix or suffix to match what the scanner adds, or turn the extra bytes off in the scanner", e.Masked, e.Byte, e.Offset)
}

// Clean turns a frame into a code and its AIM symbology identifier.
func Clean(frame []byte, o CleanOptions) (code, symbology string, err error) {
	if o.StripSTX && len(frame) > 0 && frame[0] == 0x02 {
		frame = frame[1:]
	}
	if o.Prefix != "" {
		frame = bytes.TrimPrefix(frame, []byte(o.Prefix))
	}
	if o.Suffix != "" {
		frame = bytes.TrimSuffix(frame, []byte(o.Suffix))
	}
	if o.AIM {
		if id, ok := AIMPrefix(frame); ok {
			symbology = id
			frame = frame[len(id):]
		}
	}
	if len(bytes.Trim(frame, " ")) == 0 {
		// Spaces alone are printable, so the check below would pass them
		// on as a "code" the engine can only refuse.
		return "", symbology, ErrEmpty
	}
	for i := 0; i < len(frame); {
		r, size := utf8.DecodeRune(frame[i:])
		if r == utf8.RuneError && size <= 1 {
			return "", "", &RejectError{Masked: Masked(frame), Offset: i, Byte: frame[i], UTF8: true}
		}
		if !unicode.IsPrint(r) {
			return "", "", &RejectError{Masked: Masked(frame), Offset: i, Byte: frame[i]}
		}
		i += size
	}
	return string(frame), symbology, nil
}

// AIMPrefix returns the AIM symbology identifier (ISO/IEC 15424: ']', a
// code character A–Z or a–z, a modifier 0–9 or A–Z) at the start of b.
func AIMPrefix(b []byte) (string, bool) {
	if len(b) < 3 || b[0] != ']' {
		return "", false
	}
	c, m := b[1], b[2]
	letter := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	modifier := (m >= '0' && m <= '9') || (m >= 'A' && m <= 'Z')
	if !letter || !modifier {
		return "", false
	}
	return string(b[:3]), true
}

// Masked shows a frame safely in a log: non-printables become '.', then
// the result is masked like any code.
func Masked(b []byte) string {
	r := []rune(string(b))
	for i, c := range r {
		if c == utf8.RuneError || !unicode.IsPrint(c) {
			r[i] = '.'
		}
	}
	return mask.Code(string(r))
}
