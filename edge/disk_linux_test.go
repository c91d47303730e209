package edge

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips where the
// test may not mount (it needs root, as CI's container has).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file until the disk at dir is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return p
		}
	}
}

// TestDiskFullIsAHealthProblem: with the journal's disk full, a checkout
// gets 503 and Health names the cause and the fix, logged once; once
// space is free again the problem clears and checkouts work.
func TestDiskFullIsAHealthProblem(t *testing.T) {
	dir := smallDisk(t, "4m")
	r := newRig(t, rigOpts{wallets: []string{"jkopay"}, path: filepath.Join(dir, "journal.db")})
	r.wait(r.pay("L1", "o0", 100, "jkopay").ID)
	filler := fill(t, dir)
	var failed error
	for i := range 200 {
		_, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: fmt.Sprintf("f%d", i), Amount: 100})
		if err != nil {
			failed = err
			break
		}
	}
	if failed == nil {
		t.Fatal("200 checkouts on a full disk all succeeded: the disk never filled")
	}
	if ErrorCode(failed) != ErrUnavailable || !strings.Contains(failed.Error(), "/v1/status") {
		t.Fatalf("checkout on a full disk: %v (code %s), want unavailable pointing at /v1/status", failed, ErrorCode(failed))
	}
	p := problemWith(r.e, "free space")
	if p == "" || !strings.Contains(p, "no space left") || !strings.Contains(p, "Keep the journal") {
		t.Fatalf("Health on a full disk: %q, want the cause (no space left) and the fix", r.e.Health().Problems)
	}
	for range 3 {
		r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L2", OrderNumber: "again", Amount: 100})
	}
	if n := strings.Count(r.logs.String(), "no space left"); n != 1 {
		t.Errorf("the log names the full disk %d times, want once:\n%s", n, r.logs.String())
	}
	os.Remove(filler)
	v, created, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L3", OrderNumber: "after", Amount: 100})
	if err != nil || !created || v.State != store.AwaitingScan {
		t.Fatalf("checkout after space was freed: %v %v", created, err)
	}
	if p := problemWith(r.e, "free space"); p != "" {
		t.Errorf("Health still reports the disk after a write succeeded: %s", p)
	}
}
