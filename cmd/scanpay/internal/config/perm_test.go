package config

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

// The configuration's own permissions: one every user may read is
// refused when it holds a secret inline (not when its secrets are in
// files); one others may change is refused always (it can name an exec
// hook). Each refusal names the file and the command that fixes it.
func TestConfigFilePermissions(t *testing.T) {
	const fileSecret = `
data_dir = "data"
[providers.testwallet]
base_url = "http://127.0.0.1:1"
merchant_key_file = "k"
`
	tests := []struct {
		name, body string
		set        func(testing.TB, string)
		want       []string // substrings of the error; nil: loads
	}{
		{"inline secret, owner only", minimal, permtest.OwnerOnly, nil},
		{"inline secret, every user reads", minimal, permtest.EveryoneReads, []string{"holds providers.testwallet.merchant_key and is open to", "FIXREAD"}},
		{"secret in a file, every user reads", fileSecret, permtest.EveryoneReads, nil},
		{"every user writes", fileSecret, permtest.EveryoneWrites, []string{"may be changed by", "exec hook", "FIXWRITE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "k"), []byte("file-secret\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "scanpay.toml")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			tt.set(t, path)
			_, err := Load(path, Options{})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range append(tt.want, path) {
				w = strings.NewReplacer("FIXREAD", fileperm.FixRead(path), "FIXWRITE", fileperm.FixWrite(path)).Replace(w)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

// On Unix a configuration owned by another user, or writable by a group
// that is neither root's nor scanpay's, is refused.
func TestConfigFileOwnerAndGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no file groups; its access list is checked by TestConfigFilePermissions")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the file away")
	}
	for _, tt := range []struct {
		name     string
		uid, gid int
		mode     os.FileMode
		want     string
	}{
		{"another owner", 54321, 0, 0o600, "is owned by 54321"},
		{"a foreign group writes", 0, 54321, 0o660, "may be changed by group 54321"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scanpay.toml")
			if err := os.WriteFile(path, []byte(minimal), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(path, tt.uid, tt.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), fileperm.FixWrite(path)) {
				t.Fatalf("got %v, want %q and the fix", err, tt.want)
			}
		})
	}
}

// lanes and every scanner's terminal_id are checked like the POS's
// terminal_id: no control characters, spaces, paths.
func TestLanesAreValidated(t *testing.T) {
	for _, tt := range []struct{ extra, want string }{
		{`lanes = ["AB\u001b[2J"]`, `lanes[0]: terminal_id "AB\x1b[2J"`},
		{`lanes = ["ok-1", "../x"]`, `lanes[1]: terminal_id "../x"`},
		{`lanes = ["  "]`, `lanes[0]: terminal_id "  "`},
		{"[[scanners]]\nkind = \"serial\"\nport = \"/dev/ttyACM0\"\nterminal_id = \"A\\r\\nB\"", `scanners[0].terminal_id: terminal_id "A\r\nB"`},
	} {
		body := tt.extra + "\n" + minimal
		if strings.HasPrefix(tt.extra, "[[") {
			body = minimal + tt.extra + "\n"
		}
		_, err := Parse([]byte(body), t.TempDir(), Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want %q", tt.extra, err, tt.want)
		}
	}
}
