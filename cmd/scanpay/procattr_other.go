//go:build !linux

package main

import "os/exec"

// childProcAttr: elsewhere the daemon stops when its stdin (the monitor's
// pipe) closes, which also happens when the monitor dies.
func childProcAttr(*exec.Cmd) {}
