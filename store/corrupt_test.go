package store

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenDamagedJournalIsAnError: bbolt panics on some damage (a meta
// page that checks out but names a page that is no freelist); Open must
// answer with an error that says what to do, not take the process down.
func TestOpenDamagedJournalIsAnError(t *testing.T) {
	// Not t.TempDir: bbolt's panic leaves its file open, and Windows
	// cannot remove an open file, which would fail the test's cleanup.
	dir, err := os.MkdirTemp("", "damaged-journal-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Find the freelist page from meta 0 (page header 16 bytes; meta:
	// magic, version, pageSize, flags, root{pgid, seq}, freelist pgid).
	meta := make([]byte, 64)
	if _, err := f.ReadAt(meta, 16); err != nil {
		t.Fatal(err)
	}
	pageSize := int64(binary.LittleEndian.Uint32(meta[8:]))
	for m := int64(0); m < 2; m++ {
		if _, err := f.ReadAt(meta, m*pageSize+16); err != nil {
			t.Fatal(err)
		}
		freelist := int64(binary.LittleEndian.Uint64(meta[32:]))
		// Overwrite the freelist page's flags (offset 8, 2 bytes) with a
		// leaf page's: the metas still check out, the page they name does not.
		if _, err := f.WriteAt([]byte{0x02, 0x00}, freelist*pageSize+8); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	_, err = Open(path, Options{})
	if err == nil {
		t.Fatal("a journal whose freelist page is damaged opened")
	}
	if !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), path) {
		t.Fatalf("the error does not say the journal is damaged and where: %v", err)
	}
	t.Log(err)
}
