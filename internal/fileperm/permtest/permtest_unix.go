//go:build !windows

package permtest

import (
	"os"
	"testing"
)

// OwnerOnly leaves path to its owner: mode 0600.
func OwnerOnly(t testing.TB, path string) { chmod(t, path, 0o600) }

// EveryoneReads lets every user read path: mode 0644.
func EveryoneReads(t testing.TB, path string) { chmod(t, path, 0o644) }

// EveryoneWrites lets every user change path but not read it: mode 0602.
func EveryoneWrites(t testing.TB, path string) { chmod(t, path, 0o602) }

func chmod(t testing.TB, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// OnWine reports whether this Windows build runs under Wine: never here.
func OnWine() bool { return false }
