package store

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadOnlyOpenNeverAdvisesMovingAside: a journal on a disk that went
// read-only holds open payments; the error must say how to fix the disk
// and to keep the file, never to move it aside.
func TestReadOnlyOpenNeverAdvisesMovingAside(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to make read-only (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("p1", "L1", "o1", 100))
	j.Close()
	if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	_, err = Open(path, Options{})
	if err == nil {
		t.Fatal("Open on a read-only disk succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "move it aside") || !strings.Contains(msg, "keep the journal") || !strings.Contains(msg, "writable") || !errors.Is(err, ErrWrite) {
		t.Fatalf("Open on a read-only disk: %q; want the fix (make data_dir writable), keep the journal, never move it aside", msg)
	}
}
