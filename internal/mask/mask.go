package mask

import "strings"

// Code masks a scanned code: the first four and the last four characters
// stay, the rest becomes a single ellipsis ("22J1…1111"). Codes of eight
// characters or fewer keep only their first two, so a short code is never
// shown whole.
func Code(code string) string {
	r := []rune(code)
	switch {
	case len(r) == 0:
		return ""
	case len(r) <= 8:
		keep := 2
		if len(r) < keep {
			keep = len(r)
		}
		return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
	default:
		return string(r[:4]) + "…" + string(r[len(r)-4:])
	}
}

// Secret hides a secret entirely, keeping only whether it was set.
func Secret(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}
