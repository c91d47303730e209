package edge

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// crashDisk mounts a small tmpfs for the crash harness's journal, so that
// the harness can fill it; "" where it may not mount (not root).
func crashDisk(t *testing.T, dir string) string {
	disk := filepath.Join(dir, "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := mountTmpfs(t, disk, "96m"); err != nil {
		t.Logf("crash harness: no disk-full faults: %v", err)
		return ""
	}
	return disk
}

// mountTmpfs mounts a tmpfs of size at dir until the test ends.
func mountTmpfs(t *testing.T, dir, size string) error {
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		return fmt.Errorf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return nil
}

// fillDisk takes every free byte of the disk at dir; remove the returned
// file to give them back.
func fillDisk(t *testing.T, dir string) string {
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		return p // already full
	}
	defer f.Close()
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) == nil && st.Bavail > 16 {
		syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail-16)*int64(st.Bsize))
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return p
		}
	}
}

// crashStrace is strace's path when it can trace here, else "".
func crashStrace(t *testing.T) string {
	p, err := exec.LookPath("strace")
	if err == nil {
		err = exec.Command(p, "-f", "-qq", "-o", os.DevNull, "-e", "trace=fdatasync", "true").Run()
	}
	if err != nil {
		t.Logf("crash harness: no fsync faults (strace cannot run here: %v); install strace", err)
		return ""
	}
	return p
}

// ownGroup puts cmd in a process group of its own, for killGroup.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup SIGKILLs cmd's whole process group.
func killGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
