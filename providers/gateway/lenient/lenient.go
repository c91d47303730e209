package lenient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Text is a JSON string that also accepts a number or a boolean (kept as
// written) and null (empty).
type Text string

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case string(b) == "true" || string(b) == "false":
		*t = Text(b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string, got %.20s", b)
		}
		*t = Text(n.String())
	}
	return nil
}

// Amount is a whole-dollar amount written as a JSON number or a numeric
// string ("110", 110, 110.0); a fraction is refused (TWD has none on these
// wallets).
type Amount int64

// UnmarshalJSON implements json.Unmarshaler.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	if s == "null" || s == "" {
		*a = 0
		return nil
	}
	if whole, frac, ok := strings.Cut(s, "."); ok && strings.Trim(frac, "0") == "" && frac != "" {
		s = whole
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("amount %.20q is not a whole number", s)
	}
	*a = Amount(n)
	return nil
}

// flagText is a flag's word as Flag and StatedFlag compare it: unquoted,
// without surrounding spaces (inside or outside the quotes), lower case.
func flagText(b []byte) string {
	return strings.ToLower(strings.TrimSpace(strings.Trim(string(bytes.TrimSpace(b)), `"`)))
}

// Flag is a JSON boolean that also accepts "true"/"false", "Y"/"N" and 1/0.
type Flag bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch flagText(b) {
	case "true", "y", "1":
		*f = true
	case "false", "n", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("flag %.20s is not a boolean", b)
	}
	return nil
}

// StatedFlag is a Flag that also records whether the answer stated it at
// all: absent, null and "" leave Stated false. Callers that trust an
// answer only when it says something explicitly (a resend's refusal is a
// decline only if the wallet says whether it had seen the order) need the
// difference, which a plain Flag loses.
type StatedFlag struct {
	Value  bool
	Stated bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *StatedFlag) UnmarshalJSON(b []byte) error {
	// "NULL" or " null " states nothing either: compared like Flag's words,
	// or a wallet's odd casing would read as a stated false.
	switch flagText(b) {
	case "", "null":
		*f = StatedFlag{}
		return nil
	}
	var v Flag
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*f = StatedFlag{Value: bool(v), Stated: true}
	return nil
}
