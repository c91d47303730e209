package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRange: whatever from and to a manager types, Range either refuses
// it with an InputError or answers a range that is forward and at most a
// year long; it never panics.
func FuzzRange(f *testing.F) {
	for _, s := range [][2]string{
		{"2026-12-05", "2026-12-06"}, {"2026-12-05T14:00", "2026-12-05T18:30:15"},
		{"2026-12-05T06:00:00Z", "2026-12-06T06:00:00+08:00"}, {"2026-02-30", "2026-03-01"}, {"", ""},
		{"2611-06-26", "2611-06-27"}, {"1442-05-17T13:01:26+08:00", "1442-05-17T14:00:00+08:00"},
	} {
		f.Add(s[0], s[1], "02:00")
	}
	f.Fuzz(func(t *testing.T, from, to, dayStarts string) {
		c := Config{Location: time.UTC}
		if d, err := ParseDayStarts(dayStarts); err == nil {
			if d < 0 || d >= 24*time.Hour {
				t.Fatalf("ParseDayStarts(%q) = %s, outside the day", dayStarts, d)
			}
			c.DayStarts = d
		}
		f, tt, err := c.Range(from, to)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Msg == "" {
				t.Fatalf("Range(%q, %q) = %v; want an InputError with a message", from, to, err)
			}
			return
		}
		if !f.Before(tt) || tt.Sub(f) > MaxRange || !inYears(f) || !inYears(tt) {
			t.Fatalf("Range(%q, %q) = [%s, %s)", from, to, f, tt)
		}
		if len(strings.TrimSpace(from)) == len(time.DateOnly) && c.DateOf(f) != strings.TrimSpace(from) {
			t.Fatalf("the business day %q starts at %s, which DateOf puts in %s", from, f, c.DateOf(f))
		}
	})
}
