package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFinalCodeLeftInFreePages proves what docs/security.md states about
// the journal file: once a payment is final its record no longer holds
// the full code, but bbolt does not zero the pages the older versions of
// the record lived on, so the code's bytes stay in journal.db until those
// pages are written again. If bbolt starts zeroing freed pages this test
// fails, and docs/security.md ("Old pages of the journal") must change.
func TestFinalCodeLeftInFreePages(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("pay-1", "AB123456", "1", 100))
	p := walk(t, j, "pay-1", Queued, InFlight, Approved)
	if p.FullCode != "" {
		t.Fatalf("a final payment keeps its full code: %q", p.FullCode[:4])
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const code = "2212345678901234AB" // what walk scanned
	n := bytes.Count(raw, []byte(code))
	t.Logf("journal.db (%d bytes) holds the final payment's full code %d times, in freed pages", len(raw), n)
	if n == 0 {
		t.Fatal("no leftover copy: bbolt now clears freed pages; update docs/security.md")
	}
	// The live record is clean: reopened, the payment has no code.
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, err := j.Get("pay-1"); err != nil || got.FullCode != "" {
		t.Fatalf("reopened: %v, code kept: %v", err, got.FullCode != "")
	}
}
