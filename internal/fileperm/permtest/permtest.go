package permtest

import (
	"os"
	"testing"
)

// Symlink makes a symbolic link and reports whether one now exists. Where
// none can be made it says why in the test log: Windows lets only
// administrators (or developer mode) make links, and Wine 8 answers
// success without making any.
func Symlink(t testing.TB, target, link string) bool {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Logf("cannot make a symbolic link here (%v): the link case is not checked on this machine", err)
		return false
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Logf("os.Symlink reported success but no link exists (Wine 8 makes none): the link case is not checked on this machine")
		return false
	}
	return true
}
