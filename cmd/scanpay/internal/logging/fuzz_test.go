package logging

import (
	"regexp"
	"strings"
	"testing"
)

var longRun = regexp.MustCompile(`[A-Za-z0-9]{16,}`)

// FuzzScrub: whatever a log line holds, what comes out holds no run of 16
// or more letters and digits (the shape of every payment code and most
// secrets), and no registered secret.
func FuzzScrub(f *testing.F) {
	f.Add("scanned 22J1ABCDEF12341111 on lane AB123456", "k3y!s3cr3t")
	f.Add("token=0123456789abcdef0123456789abcdef", "tok-9f8e7d6c")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, line, secret string) {
		s := &Secrets{}
		s.Add(secret)
		out := s.Scrub(line)
		if longRun.MatchString(out) {
			t.Fatalf("Scrub(%q) = %q still holds a code-like run", line, out)
		}
		// A secret the masking itself could spell ("[redacted]", "…") is
		// not checked.
		checkable := len(secret) >= 4 && !strings.Contains("[redacted]", secret) && !strings.ContainsAny(secret, "[]…")
		if checkable && strings.Contains(out, secret) {
			t.Fatalf("Scrub(%q) = %q still holds the secret %q", line, out, secret)
		}
	})
}
