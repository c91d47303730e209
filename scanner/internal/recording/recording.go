package recording

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Expectation is one expected decoder outcome: a code, or an error.
type Expectation struct {
	Code  string
	Error bool
}

// Recording is a parsed .rec file.
type Recording struct {
	Mode, Layout, POSLayout string
	Reports                 [][]byte
	Expect                  []Expectation
}

// Load parses the recording in file.
func Load(file string) (*Recording, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return r, nil
}

// Parse parses a recording.
func Parse(b []byte) (*Recording, error) {
	rec := &Recording{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		switch key {
		case "":
		case "mode":
			rec.Mode = rest
		case "layout":
			rec.Layout = rest
		case "pos_layout":
			rec.POSLayout = rest
		case "expect":
			if rest == "" {
				return nil, fmt.Errorf("line %d: expect needs a code", n)
			}
			rec.Expect = append(rec.Expect, Expectation{Code: rest})
		case "expect-error":
			rec.Expect = append(rec.Expect, Expectation{Error: true})
		case "report":
			r, err := parseReport(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			rec.Reports = append(rec.Reports, r)
		default:
			return nil, fmt.Errorf("line %d: unknown item %q", n, key)
		}
	}
	return rec, sc.Err()
}

func parseReport(s string) ([]byte, error) {
	var out []byte
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		switch {
		case s[0] == '#':
			s = "" // a comment ends the report
			continue
		case s[0] == '"':
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return nil, fmt.Errorf("bad string in report: %w", err)
			}
			text, _ := strconv.Unquote(q)
			out = append(out, text...)
			s = s[len(q):]
		default:
			tok, rest, _ := strings.Cut(s, " ")
			s = rest
			if n, ok := strings.CutPrefix(tok, "pad:"); ok {
				size, err := strconv.Atoi(n)
				if err != nil || size < len(out) || size > 1<<16 {
					return nil, fmt.Errorf("bad %q: pad to a length of at least %d", tok, len(out))
				}
				out = append(out, make([]byte, size-len(out))...)
				continue
			}
			v, err := strconv.ParseUint(tok, 16, 8)
			if err != nil || len(tok) != 2 {
				return nil, fmt.Errorf("bad byte %q: write two hex digits", tok)
			}
			out = append(out, byte(v))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty report")
	}
	return out, nil
}
