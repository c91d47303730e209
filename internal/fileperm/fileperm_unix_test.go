//go:build !windows

package fileperm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A FIFO at the path used to hang start-up (the open waited for a writer
// and ignored SIGTERM): it is refused at once.
func TestOpenRefusesAFIFOWithoutWaiting(t *testing.T) {
	p := filepath.Join(t.TempDir(), "api-token")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := OpenNoFollow(p)
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
			t.Errorf("got %v, want a refusal naming the FIFO", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open blocked on a FIFO")
	}
}

func TestModeQuestions(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Log("not root: the chown rows check only what this user can set")
	}
	const foreign = 54321 // a uid and gid no account here has
	tests := []struct {
		name       string
		mode       os.FileMode
		uid, gid   int // -1: leave
		everyone   bool
		others     bool
		write      string // substring of OthersMayWrite, "" for none
		untrusted  bool
		needsChown bool
	}{
		{"owner only", 0o600, -1, -1, false, false, "", false, false},
		{"group reads", 0o640, -1, -1, false, true, "", false, false},
		{"every user reads", 0o644, -1, -1, true, true, "", false, false},
		{"every user writes", 0o602, -1, -1, false, false, "every user", false, false},
		{"root group writes", 0o660, -1, 0, false, true, "", false, true},
		{"foreign group writes", 0o660, -1, foreign, false, true, "group 54321", false, true},
		{"foreign owner", 0o600, foreign, -1, false, false, "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needsChown && os.Geteuid() != 0 {
				t.Skip("needs root to give the file away")
			}
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Lchown(p, tt.uid, tt.gid); err != nil {
				t.Fatal(err)
			}
			f, err := OpenNoFollow(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			who, err := EveryoneMayRead(f)
			if err != nil || (who != "") != tt.everyone {
				t.Errorf("EveryoneMayRead = %q, %v; want some: %v", who, err, tt.everyone)
			}
			who, err = OthersMayRead(f)
			if err != nil || (who != "") != tt.others {
				t.Errorf("OthersMayRead = %q, %v; want some: %v", who, err, tt.others)
			}
			who, err = OthersMayWrite(f)
			if err != nil || (who == "") != (tt.write == "") || !strings.Contains(who, tt.write) {
				t.Errorf("OthersMayWrite = %q, %v; want %q", who, err, tt.write)
			}
			name, trusted, err := Owner(f)
			if err != nil || trusted == tt.untrusted || name == "" {
				t.Errorf("Owner = %q, %v, %v; want trusted: %v", name, trusted, err, !tt.untrusted)
			}
		})
	}
}
