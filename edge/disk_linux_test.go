package edge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// TestDiskFullIsAHealthProblem: with the journal's disk full, a checkout
// gets 503 and Health names the cause and the fix, logged once; once
// space is free again the problem clears and checkouts work.
func TestDiskFullIsAHealthProblem(t *testing.T) {
	dir := t.TempDir()
	if err := mountTmpfs(t, dir, "4m"); err != nil {
		t.Skip(err)
	}
	r := newRig(t, rigOpts{wallets: []string{"jkopay"}, path: filepath.Join(dir, "journal.db")})
	r.wait(r.pay("L1", "o0", 100, "jkopay").ID)
	filler := fillDisk(t, dir)
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
	// Logged once per episode: a write that gets through (bbolt reuses
	// freed pages even on a full disk) clears it, the next failure is a
	// new episode.
	warns, resolved := 0, 0
	for _, l := range strings.Split(r.logs.String(), "\n") {
		switch {
		case !strings.Contains(l, "no space left"):
		case strings.Contains(l, "level=WARN"):
			warns++
		case strings.Contains(l, "resolved:"):
			resolved++
		}
	}
	if warns == 0 || (warns != resolved && warns != resolved+1) {
		t.Errorf("the log warns of the full disk %d times and says it cleared %d times, want once per episode:\n%s", warns, resolved, r.logs.String())
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
