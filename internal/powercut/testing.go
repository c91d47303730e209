package powercut

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// MountT mounts a Disk over a fresh backing directory for a test, and
// unmounts it when the test ends. It skips the test, saying why, where
// this machine cannot mount FUSE.
func MountT(t testing.TB) *Disk {
	t.Helper()
	dir := t.TempDir()
	backing, mnt := filepath.Join(dir, "backing"), filepath.Join(dir, "mnt")
	for _, p := range []string{backing, mnt} {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	d, err := Mount(backing, mnt)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("no power-cut test here: %v. On Linux: apt-get install fuse3, make sure /dev/fuse exists (modprobe fuse), and run as root or a user allowed to mount FUSE.", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Unmount(); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return d
}
