package fileperm

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(file)
	if err != nil {
		t.Fatalf("a plain file is refused: %v", err)
	}
	f.Close()
	if _, err := Open(dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a folder: got %v, want ErrNotRegular", err)
	}
	link := filepath.Join(dir, "link")
	if !permtest.Symlink(t, file, link) {
		return
	}
	// Wine 8 fails to open its own links without following them ("File
	// not found"): refused all the same, not by our check.
	if f, err := Open(link); err != nil {
		t.Errorf("a link, followed: %v", err)
	} else {
		f.Close()
	}
	if f, err := OpenNoFollow(link); err == nil || (!errors.Is(err, ErrNotRegular) && !permtest.OnWine()) {
		if f != nil {
			f.Close()
		}
		t.Errorf("a link: got %v, want ErrNotRegular", err)
	}
}
