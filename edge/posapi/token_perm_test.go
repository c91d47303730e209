package posapi

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

const aToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// A link at the token path is never followed, even to a good token: the
// token is scanpay's own file, and a link there was put by someone else.
func TestTokenFileLinkIsRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	if err := os.WriteFile(target, []byte(aToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "api-token")
	if !permtest.Symlink(t, target, path) {
		return
	}
	tok, err := LoadOrCreateToken(path)
	if err == nil {
		t.Fatalf("the token was read through a link: %q", tok[:6])
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("the refusal does not name the file: %v", err)
	}
}

// A folder at the token path is refused with a clear error, not read.
func TestTokenFileMustBeARegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-token")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateToken(path)
	if !errors.Is(err, fileperm.ErrNotRegular) || !strings.Contains(err.Error(), "api.token_file") {
		t.Fatalf("got %v, want a refusal wrapping ErrNotRegular", err)
	}
}
