package svc

import "os"

// sdBooted is sd_booted(3)'s test: systemd runs as PID 1 when this exists.
const sdBooted = "/run/systemd/system"

// noServiceManager says why no service manager can be asked, or "".
func noServiceManager() string { return withoutSystemd(sdBooted) }

func withoutSystemd(marker string) string {
	if _, err := os.Stat(marker); err == nil {
		return ""
	}
	return "none: this host does not run systemd (" + marker + " is absent), so there is no scanpay service to ask; run scanpay with `scanpay run` (in the foreground or under your own supervisor)"
}
