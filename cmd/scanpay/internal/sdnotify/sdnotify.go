package sdnotify

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// UnderSystemd reports whether systemd started this process as a
// service's main process: it sets NOTIFY_SOCKET for Type=notify units, and
// INVOCATION_ID for every unit, where it is the parent. INVOCATION_ID
// alone is not enough: a terminal started from a user service inherits it.
func UnderSystemd() bool {
	return os.Getenv("NOTIFY_SOCKET") != "" || (os.Getenv("INVOCATION_ID") != "" && os.Getppid() == 1)
}

// Probe says whether the POS API answers.
type Probe func(ctx context.Context) error

// readyRetry is how often a probe that fails before READY is tried again.
const readyRetry = 100 * time.Millisecond

// Run sends READY=1 once probe succeeds, then WATCHDOG=1 every half of
// WATCHDOG_USEC for as long as probe succeeds (a ping is skipped when it
// fails, so systemd restarts a daemon whose API hangs), and STOPPING=1
// when ctx ends. Without NOTIFY_SOCKET it returns at once.
func Run(ctx context.Context, probe Probe, log *slog.Logger) {
	if os.Getenv("NOTIFY_SOCKET") == "" {
		return
	}
	for probe(ctx) != nil {
		select {
		case <-ctx.Done():
			return
		case <-time.After(readyRetry):
		}
	}
	if _, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("cannot tell systemd scanpay is ready", "err", err)
	}
	defer daemon.SdNotify(false, daemon.SdNotifyStopping)
	every := Interval()
	if every == 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := probe(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("the POS API does not answer: no watchdog ping, systemd restarts scanpay if this lasts", "err", err)
			}
			continue
		}
		if _, err := daemon.SdNotify(false, daemon.SdNotifyWatchdog); err != nil {
			log.Warn("cannot ping systemd's watchdog", "err", err)
		}
	}
}

// Interval is how often the watchdog is fed: half of WATCHDOG_USEC, as
// sd_watchdog_enabled(3) advises; 0 when no watchdog is set for this
// process.
func Interval() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0
	}
	return d / 2
}
