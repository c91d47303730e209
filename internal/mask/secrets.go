package mask

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// codeLike matches a run of 16 or more letters and digits: every wallet's
// payment code (JKOPay 18, EasyWallet 20, iPass 22) and most secrets (hex
// tokens, keys) look like that, while masked codes ("22J1…1111"), UUIDs and
// ordinary words do not.
var codeLike = regexp.MustCompile(`[A-Za-z0-9]{16,}`)

// Secrets is a set of exact strings (the API token, wallet keys) that the
// masking handler replaces wherever they appear. Safe for concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	list   []string
	isCode func(string) bool
}

// SetCodeMatcher narrows the masking of 16–31 character runs to those
// isCode says are payment codes (the daemon passes its classifier), so that
// wallets' transaction ids and trade numbers stay readable in the log.
// Runs of 32 or more (keys, tokens) are masked whatever it says. Without a
// matcher every run of 16 or more is masked.
func (s *Secrets) SetCodeMatcher(isCode func(string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.isCode = isCode
}

func (s *Secrets) shouldMask(run string) bool {
	if s == nil || len(run) >= 32 {
		return true
	}
	s.mu.RLock()
	isCode := s.isCode
	s.mu.RUnlock()
	return isCode == nil || isCode(run)
}

// Add registers secrets; strings shorter than 4 characters are ignored so
// that an empty or trivial value cannot blank out ordinary text.
func (s *Secrets) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if len(v) >= 4 {
			s.list = append(s.list, v)
		}
	}
}

func (s *Secrets) scrub(v string) string {
	if s == nil {
		return v
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sec := range s.list {
		if strings.Contains(v, sec) {
			v = strings.ReplaceAll(v, sec, "[redacted]")
		}
	}
	return v
}

// Scrub masks everything in v that looks like a payment code and replaces
// every registered secret.
func (s *Secrets) Scrub(v string) string {
	v = s.scrub(v)
	if !hasLongRun(v) { // the common case, without the regexp
		return v
	}
	return codeLike.ReplaceAllStringFunc(v, func(run string) string {
		if s.shouldMask(run) {
			return Code(run)
		}
		return run
	})
}

// hasLongRun reports whether v holds 16 letters or digits in a row.
func hasLongRun(v string) bool {
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if n++; n >= 16 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// Text masks v with no registered secrets and no code matcher: every run
// of 16 or more letters and digits is shown as a code is.
func Text(v string) string { return (*Secrets)(nil).Scrub(v) }

// Terminal makes v safe to print on a terminal: every control character
// (C0, DEL, C1, so ESC sequences, CR and NUL included) and every
// bidirectional override is shown as an escape (\x1b, \r, \u202e) instead
// of acting on the screen.
func Terminal(v string) string {
	if !needsEscape(v) {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsEscape(v string) bool {
	for _, r := range v {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || unicode.IsControl(r) || isBidi(r) {
			return true
		}
	}
	return false
}

// isBidi: the embedding, override and isolate controls, which reorder
// what follows them on screen.
func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
