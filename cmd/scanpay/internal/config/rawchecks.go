package config

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// A duration key and the range scanpay accepts for it. TOML has no
// duration type: the decoder reads a bare integer as nanoseconds, so
// `code_ttl = 60` would be 60 ns and every payment would expire before it
// is sent. Each duration must be a string with a unit, inside its range.
type durationRule struct {
	path     string // dotted; "*" matches any table name or array index
	min, max time.Duration
	def      string // the default, for the message; "" when the wallet decides
}

var durationRules = []durationRule{
	{"scan_hold", time.Second, 10 * time.Minute, "30s"},
	{"scan_timeout", 10 * time.Second, time.Hour, "5m"},
	{"scanner_grace", 500 * time.Millisecond, time.Minute, "3s"},
	{"retention", 24 * time.Hour, 10 * 365 * 24 * time.Hour, "2160h (90 days)"},
	{"api.max_wait", time.Second, 10 * time.Minute, "60s"},
	{"scanners.*.gap", 5 * time.Millisecond, 2 * time.Second, ""},
	{"hooks.*.timeout", time.Second, 10 * time.Minute, "10s"},
	{"providers.*.code_ttl", 10 * time.Second, 10 * time.Minute, ""},
	{"providers.*.timeout", time.Second, 2 * time.Minute, ""},
	// 0 is a choice, not a slip: "trust JKOPay's 916 at once" (a wallet
	// test system that records trades at once, and the simulators).
	{"providers.*.not_found_window", 0, 10 * time.Minute, ""},
}

// checkDurations refuses bare numbers and out-of-range values for every
// duration key of the raw tree, each error naming the key, the bound and
// the fix. A string that is not a duration at all is left to the decoder.
func checkDurations(tree map[string]any) []error {
	var errs []error
	for _, r := range durationRules {
		walkPath(tree, strings.Split(r.path, "."), "", func(key string, v any) {
			if err := r.check(key, v); err != nil {
				errs = append(errs, err)
			}
		})
	}
	return errs
}

func (r durationRule) check(key string, v any) error {
	name := key[strings.LastIndexByte(key, '.')+1:]
	allowed := fmt.Sprintf("from %q to %q", fmtDuration(r.min), fmtDuration(r.max))
	orDefault := "or remove it for the default"
	if r.def != "" {
		orDefault += " (" + r.def + ")"
	}
	switch x := v.(type) {
	case int64, float64:
		return fmt.Errorf("%s = %v is a bare number, which TOML would read as %v nanoseconds: write it with a unit, e.g. %s = \"%vs\" (allowed %s), %s", key, x, x, name, x, allowed, orDefault)
	case string:
		d, err := time.ParseDuration(x)
		if err != nil {
			return nil // the decoder names it
		}
		switch {
		case d < r.min:
			return fmt.Errorf("%s = %q is below its lower bound of %s: set it %s, %s", key, x, fmtDuration(r.min), allowed, orDefault)
		case d > r.max:
			return fmt.Errorf("%s = %q is above its upper bound of %s: set it %s, %s", key, x, fmtDuration(r.max), allowed, orDefault)
		}
	}
	return nil
}

// fmtDuration prints 10m0s as 10m and 2h0m0s as 2h.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// walkPath calls fn with the printable key and value of every node of tree
// matching path ("*" matching any table key or array element).
func walkPath(node any, path []string, prefix string, fn func(key string, v any)) {
	if len(path) == 0 {
		fn(prefix, node)
		return
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := node.(type) {
	case map[string]any:
		if path[0] != "*" {
			if v, ok := x[path[0]]; ok {
				walkPath(v, path[1:], join(path[0]), fn)
			}
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkPath(x[k], path[1:], join(k), fn)
		}
	case []map[string]any:
		if path[0] == "*" {
			for i, m := range x {
				walkPath(m, path[1:], fmt.Sprintf("%s[%d]", prefix, i), fn)
			}
		}
	case []any:
		if path[0] == "*" {
			for i, m := range x {
				walkPath(m, path[1:], fmt.Sprintf("%s[%d]", prefix, i), fn)
			}
		}
	}
}

// placeholders are the example configuration's stand-ins for what a
// wallet issues the store: a value containing one was copied without being
// filled in, and would fail only at the first payment.
var placeholders = []string{"example.com", "example.net", "example.org", "YOUR-", "Your Store", "SYSTEM-NAME", "THE-KEY", "M000000001"}

// checkPlaceholders refuses every string value (outside comments, which
// the decoder drops) still holding a placeholder of the example, naming
// the key to fill.
func checkPlaceholders(tree map[string]any) []error {
	var errs []error
	var walk func(node any, key string)
	walk = func(node any, key string) {
		switch x := node.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				sub := k
				if key != "" {
					sub = key + "." + k
				}
				walk(x[k], sub)
			}
		case []map[string]any:
			for i, m := range x {
				walk(m, fmt.Sprintf("%s[%d]", key, i))
			}
		case []any:
			for i, m := range x {
				walk(m, fmt.Sprintf("%s[%d]", key, i))
			}
		case string:
			for _, p := range placeholders {
				if strings.Contains(x, p) {
					errs = append(errs, fmt.Errorf("%s = %q still holds the example's placeholder %q: fill in %s with the value your wallet or store issued", key, x, p, key))
					break
				}
			}
		}
	}
	walk(tree, "")
	return errs
}
