package svc

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusWithoutSystemdSaysSo: a host where systemd is not PID 1 is
// named as such, instead of an "exit status 1" from a SysV script.
func TestStatusWithoutSystemdSaysSo(t *testing.T) {
	dir := t.TempDir()
	if got := withoutSystemd(dir); got != "" {
		t.Errorf("with %s present: %q, want nothing", dir, got)
	}
	missing := filepath.Join(dir, "run", "systemd", "system")
	got := withoutSystemd(missing)
	if !strings.HasPrefix(got, "none: this host does not run systemd ("+missing+" is absent)") || !strings.Contains(got, "scanpay run") {
		t.Errorf("without systemd: %q", got)
	}
}
