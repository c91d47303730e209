//go:build unix

package store

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// hardKill ends p with SIGKILL: no defer, no flush, no Close runs in it.
func hardKill(p *os.Process) error { return p.Signal(syscall.SIGKILL) }

// killedByUs tells whether Wait's error says hardKill ended the child, as
// opposed to the child exiting by itself.
func killedByUs(werr error) bool {
	var exit *exec.ExitError
	if !errors.As(werr, &exit) {
		return false
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
