//go:build linux

package main

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
)

// TestInstallRefusesAMissingServiceUser: install runs the service as
// "scanpay" unless told otherwise, and a user that does not exist stops it
// before anything is installed, with the command that creates the user.
func TestInstallRefusesAMissingServiceUser(t *testing.T) {
	path := exampleConfig(t)
	rc, _, errOut := invoke(t, nil, "install", "--config", path, "--user", "no-such-scanpay-user")
	if rc != exitUsage || !strings.Contains(errOut, "useradd --system --home /var/lib/scanpay --shell /usr/sbin/nologin no-such-scanpay-user") || !strings.Contains(errOut, "--user root") {
		t.Errorf("missing user: exit %d %s", rc, errOut)
	}
	_, help, _ := invoke(t, nil, "install", "--help")
	if !strings.Contains(help, `(default "scanpay")`) {
		t.Errorf("install's default user is not scanpay:\n%s", help)
	}
}

// TestPrepareServiceUser: an existing user gets the scanner groups this
// machine has and a data_dir it owns; root gets no User= at all; a config
// the user cannot read is warned about.
func TestPrepareServiceUser(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("this machine has no user nobody: %v", err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(cfgPath, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Path: cfgPath, DataDir: filepath.Join(dir, "data")}
	s := svc.Settings{}
	warnings, err := prepareServiceUser(&s, "nobody", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.User != "nobody" {
		t.Errorf("user %q", s.User)
	}
	for _, g := range s.Groups {
		if _, err := user.LookupGroup(g); err != nil {
			t.Errorf("group %q listed but missing", g)
		}
	}
	info, err := os.Stat(cfg.DataDir)
	if err != nil {
		t.Fatalf("data_dir not created: %v", err)
	}
	if st := info.Sys().(*syscall.Stat_t); strconv.Itoa(int(st.Uid)) != nobody.Uid || info.Mode().Perm() != 0o700 {
		t.Errorf("data_dir owner %d mode %v", st.Uid, info.Mode().Perm())
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "chmod 640 "+cfgPath) {
		t.Errorf("a root-only config was not warned about: %q", warnings)
	}
	root := svc.Settings{}
	if _, err := prepareServiceUser(&root, "root", cfg); err != nil || root.User != "" || len(root.Groups) != 0 {
		t.Errorf("--user root: %+v %v", root, err)
	}
}
