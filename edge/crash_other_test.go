//go:build !linux

package edge

import (
	"os/exec"
	"testing"
)

// Disk and fsync faults need Linux (tmpfs, strace); elsewhere the harness
// runs without them.
func crashDisk(t *testing.T, dir string) string { return "" }
func fillDisk(t *testing.T, dir string) string  { return "" }
func crashStrace(t *testing.T) string           { return "" }
func ownGroup(cmd *exec.Cmd)                    {}
func killGroup(cmd *exec.Cmd)                   { cmd.Process.Kill() }
