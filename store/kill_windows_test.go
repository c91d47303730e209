package store

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// killedExit is the exit code hardKill gives the child: one it never uses
// itself (it exits 0, 3, 4 or 5; a failed test exits 1, a panic 2).
const killedExit = 0xDEAD

// hardKill ends p with TerminateProcess, Windows' counterpart of SIGKILL:
// no code of the child runs (no defer, no flush, no Close). It is what
// os.Process.Kill calls, but with an exit code of our own, so that
// killedByUs can tell our kill from the child exiting with 1.
func hardKill(p *os.Process) error {
	h, err := syscall.OpenProcess(syscall.PROCESS_TERMINATE, false, uint32(p.Pid))
	if err != nil {
		return err
	}
	defer syscall.CloseHandle(h)
	return syscall.TerminateProcess(h, killedExit)
}

// killedByUs tells whether Wait's error says hardKill ended the child.
func killedByUs(werr error) bool {
	var exit *exec.ExitError
	return errors.As(werr, &exit) && exit.ExitCode() == killedExit
}
