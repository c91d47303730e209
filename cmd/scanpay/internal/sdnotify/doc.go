// Package sdnotify tells systemd (Type=notify) that scanpay is ready once
// its POS API answers, and keeps systemd's watchdog fed while it does,
// through github.com/coreos/go-systemd/v22/daemon.
//
// It owns when READY=1, WATCHDOG=1 and STOPPING=1 are sent. It must not
// know what the API is: the caller gives it a probe that says whether the
// API answers.
package sdnotify
