package providers_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
	"github.com/scanpay/scanpay/providers"
)

type nopConfig struct{}

func (nopConfig) Provision(providers.Env) error                { return nil }
func (nopConfig) Validate() error                              { return nil }
func (nopConfig) Limits() providers.Limits                     { return providers.Limits{} }
func (nopConfig) Open(providers.Env) (providers.Wallet, error) { return nil, errors.New("nop") }
func newNop() providers.Config                                 { return nopConfig{} }

func TestRegisterLookupDrivers(t *testing.T) {
	providers.Register(providers.Driver{Name: "regtest-b", NewConfig: newNop})
	providers.Register(providers.Driver{Name: "regtest-a", NewConfig: newNop, Rules: []providers.Rule{{Name: "regtest-a"}}})

	d, ok := providers.Lookup("regtest-a")
	if !ok || d.Name != "regtest-a" || len(d.Rules) != 1 {
		t.Fatalf("Lookup(regtest-a) = %+v, %v", d, ok)
	}
	if _, ok := providers.Lookup("regtest-missing"); ok {
		t.Fatal("Lookup of an unregistered name succeeded")
	}
	var names []string
	for _, d := range providers.Drivers() {
		if strings.HasPrefix(d.Name, "regtest-") {
			names = append(names, d.Name)
		}
	}
	if strings.Join(names, ",") != "regtest-a,regtest-b" {
		t.Fatalf("Drivers() order = %v, want regtest-a,regtest-b", names)
	}
}

func TestRegisterPanics(t *testing.T) {
	providers.Register(providers.Driver{Name: "regtest-dup", NewConfig: newNop})
	for name, d := range map[string]providers.Driver{
		"duplicate":  {Name: "regtest-dup", NewConfig: newNop},
		"empty name": {NewConfig: newNop},
		"nil config": {Name: "regtest-nil"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("Register(%+v) did not panic", d)
				}
			}()
			providers.Register(d)
		})
	}
}

// everyone is how fileperm names every user: by mode on Unix, by group on
// Windows.
func everyone(mode string) string {
	if runtime.GOOS == "windows" {
		return "Everyone"
	}
	return "every user (mode " + mode + ")"
}

func TestResolveSecret(t *testing.T) {
	const key = "providers.x.merchant_key"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.txt"), []byte("  s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.txt"), []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Modes set by Chmod: WriteFile's are cut by the umask. On Windows
	// the bits mean nothing: the open files get an access list for
	// Everyone instead.
	for name, mode := range map[string]os.FileMode{"group.txt": 0o640, "world.txt": 0o644, "world-only.txt": 0o604, "world-write.txt": 0o602} {
		p := filepath.Join(dir, name)
		err := os.WriteFile(p, []byte("s3cret-from-file\n"), 0o600)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case runtime.GOOS != "windows":
			err = os.Chmod(p, mode)
		case mode&0o004 != 0:
			permtest.EveryoneReads(t, p)
		case mode&0o002 != 0:
			permtest.EveryoneWrites(t, p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	openTo := func(file string) string {
		return fmt.Sprintf("%s_file %q is open to ", key, filepath.Join(dir, file))
	}
	env := providers.Env{Dir: dir, LookupEnv: func(name string) (string, bool) {
		switch name {
		case "KEY":
			return "s3cret-from-env", true
		case "BLANK":
			return " ", true
		}
		return "", false
	}}
	tests := []struct {
		name, value, file, envVar string
		want                      string
		wantErr                   string // substring; "" means success
	}{
		{name: "inline", value: "s3cret-inline", want: "s3cret-inline"},
		{name: "relative file", file: "key.txt", want: "s3cret-from-file"},
		{name: "absolute file", file: filepath.Join(dir, "key.txt"), want: "s3cret-from-file"},
		{name: "env", envVar: "KEY", want: "s3cret-from-env"},
		{name: "none", wantErr: key + " is not set"},
		{name: "two sources", value: "s3cret-inline", envVar: "KEY", wantErr: "more than once"},
		{name: "owner and group may read", file: "group.txt", want: "s3cret-from-file"},
		{name: "missing file", file: "nope.txt", wantErr: fmt.Sprintf("%s_file %q does not exist: create it holding only the secret (readable by scanpay's account only: %s", key, filepath.Join(dir, "nope.txt"), fileperm.FixRead(filepath.Join(dir, "nope.txt")))},
		{name: "world-readable file", file: "world.txt", wantErr: openTo("world.txt") + everyone("0644") + ": run " + fileperm.FixRead(filepath.Join(dir, "world.txt"))},
		{name: "readable by others only", file: "world-only.txt", wantErr: openTo("world-only.txt")},
		{name: "writable by others", file: "world-write.txt", wantErr: fmt.Sprintf("%s_file %q may be changed by %s", key, filepath.Join(dir, "world-write.txt"), everyone("0602"))},
		{name: "empty file", file: "empty.txt", wantErr: "is empty"},
		{name: "unset env", envVar: "NOPE", wantErr: "not set: export it"},
		{name: "blank env", envVar: "BLANK", wantErr: "which is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := providers.ResolveSecret(env, key, tt.value, tt.file, tt.envVar)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, providers.ErrSecret) {
				t.Fatalf("err = %v, want one containing %q wrapping ErrSecret", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

// TestResolveSecretUnsetsTheVariable (issue 12): once read, a `_env`
// secret leaves the process environment, so no child process (an exec
// hook) inherits it; reading it again still works, and ConsumedEnv hands
// it to the one child that needs it (the monitored daemon).
func TestResolveSecretUnsetsTheVariable(t *testing.T) {
	const name = "SCANPAY_TEST_UNSET_KEY"
	t.Setenv(name, " s3cret-unset\n")
	for range 2 {
		got, err := providers.ResolveSecret(providers.Env{LookupEnv: os.LookupEnv}, "providers.x.key", "", "", name)
		if err != nil || got != "s3cret-unset" {
			t.Fatalf("ResolveSecret = %q, %v", got, err)
		}
		if _, ok := os.LookupEnv(name); ok {
			t.Fatalf("%s is still in the environment after it was read", name)
		}
		for _, kv := range os.Environ() {
			if strings.Contains(kv, "s3cret") {
				t.Fatalf("a child would inherit %q", kv)
			}
		}
	}
	if !slices.Contains(providers.ConsumedEnv(), name+"= s3cret-unset\n") {
		t.Errorf("ConsumedEnv = %q, want %s with its value as it was", providers.ConsumedEnv(), name)
	}
	// A test's own lookup serves names the process does not hold with
	// that value: the process environment is left alone.
	t.Setenv("SCANPAY_TEST_KEPT", "other")
	fake := providers.Env{LookupEnv: func(string) (string, bool) { return "s3cret-fake", true }}
	if _, err := providers.ResolveSecret(fake, "providers.x.key", "", "", "SCANPAY_TEST_KEPT"); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SCANPAY_TEST_KEPT") != "other" {
		t.Error("a variable the secret did not come from was unset")
	}
}
