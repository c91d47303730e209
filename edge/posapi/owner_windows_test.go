package posapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

// TestTokenFileIsOwnerOnlyOnWindows: a token file Everyone may read (made
// by hand, or copied in) is narrowed again at start to SYSTEM,
// Administrators and this account, read back from the file.
func TestTokenFileIsOwnerOnlyOnWindows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-token")
	if err := os.WriteFile(path, []byte(aToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	permtest.EveryoneReads(t, path)
	if _, err := LoadOrCreateToken(path); err != nil {
		t.Fatal(err)
	}
	f, err := fileperm.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if who, err := fileperm.OthersMayRead(f); err != nil || who != "" {
		t.Errorf("after start %s is readable by %q (%v)", path, who, err)
	}
	if !strings.Contains(fileperm.FixRead(path), "icacls") {
		t.Errorf("the fix is not an icacls line: %s", fileperm.FixRead(path))
	}
}
