//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// childProcAttr makes the kernel kill the daemon if its monitor dies (kill
// -9 included), so an orphan never keeps the journal locked.
func childProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
