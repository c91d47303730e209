package providers_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
	"github.com/scanpay/scanpay/providers"
)

// A secret file every user may read, or change, is refused on each OS:
// by its mode bits on Unix, by its access list (Everyone) on Windows. The
// error names the file and the command that fixes it.
func TestSecretFileOpenToEveryoneIsRefused(t *testing.T) {
	const key = "providers.x.merchant_key"
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		set  func(testing.TB, string)
		fix  func(string) string
	}{
		{"read", permtest.EveryoneReads, fileperm.FixRead},
		{"write", permtest.EveryoneWrites, fileperm.FixWrite},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".key")
			if err := os.WriteFile(p, []byte("s3cret-from-file\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			tt.set(t, p)
			_, err := providers.ResolveSecret(providers.Env{Dir: dir}, key, "", p, "")
			if err == nil || !errors.Is(err, providers.ErrSecret) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.fix(p)) {
				t.Fatalf("got %v; want a refusal naming %s and %q", err, p, tt.fix(p))
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the secret: %v", err)
			}
			permtest.OwnerOnly(t, p)
			if s, err := providers.ResolveSecret(providers.Env{Dir: dir}, key, "", p, ""); err != nil || s != "s3cret-from-file" {
				t.Fatalf("owner-only file: %q, %v", s, err)
			}
		})
	}
}
