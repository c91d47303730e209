//go:build !windows

package posapi

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanpay/scanpay/internal/fileperm"
)

// A FIFO at the token path used to hang start-up (reading waited for a
// writer, and SIGTERM was ignored there): it is refused at once.
func TestTokenFileFIFODoesNotHang(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-token")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadOrCreateToken(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "FIFO") {
			t.Fatalf("got %v, want a refusal naming the FIFO", err)
		}
	case <-time.After(10 * time.Second):
		// Unblock the reader so the test binary can exit.
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("LoadOrCreateToken blocked on a FIFO")
	}
}

// A token file owned by another account is refused: whoever owns it can
// read it or set the token to one they know.
func TestTokenFileOwnedByAnotherUserIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the file to another user")
	}
	path := filepath.Join(t.TempDir(), "api-token")
	if err := os.WriteFile(path, []byte(aToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(path, 54321, 54321); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateToken(path)
	if err == nil || !strings.Contains(err.Error(), "owned by") || !strings.Contains(err.Error(), fileperm.FixOwner(path)) {
		t.Fatalf("got %v, want a refusal naming the owner and %q", err, fileperm.FixOwner(path))
	}
	// Group- or world-writable: someone else could set the token.
	if err := os.Chown(path, 0, 54321); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o620); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateToken(path); err == nil || !strings.Contains(err.Error(), "group 54321") {
		t.Fatalf("a token file its group may write: %v", err)
	}
}
