package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoRunsToItsEnd plays the whole walkthrough, as `scanpay demo` does,
// and requires every check to pass.
func TestDemoRunsToItsEnd(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	start := time.Now()
	err := Run(context.Background(), Options{Out: &out, Dir: dir})
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"Step 1. Start scanpay", "JKOPay", "EasyWallet", "iPass", "LINE Pay", "status check settled it approved", "network goes down", "answers HTTP 500", "answer is lost", "Reconcile", "checks passed"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "[FAIL]") {
		t.Errorf("a check failed:\n%s", s)
	}
	receipts, _ := filepath.Glob(filepath.Join(dir, "receipts", "*.json"))
	if len(receipts) < 9 {
		t.Errorf("%d receipts written, want at least 9", len(receipts))
	}
	if _, err := os.Stat(filepath.Join(dir, "journal.db")); err != nil {
		t.Errorf("no journal: %v", err)
	}
	t.Logf("demo took %v", time.Since(start))
}
