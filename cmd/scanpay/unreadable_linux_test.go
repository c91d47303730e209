//go:build linux

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnreadableDefaultConfigIsAnError: a default configuration that
// exists but cannot be read is an error (exit 2) naming the file and the
// permission, never SANDBOX. Root reads anything, so as root the check
// runs in a copy of this test binary re-executed as nobody.
func TestUnreadableDefaultConfigIsAnError(t *testing.T) {
	if p := os.Getenv("SCANPAY_TEST_UNREADABLE"); p != "" {
		code, out, errOut := invoke(t, map[string]string{"default_config": p}, "check-config")
		os.Stdout.WriteString(out)
		os.Stderr.WriteString(errOut)
		os.Exit(code)
	}
	root, err := os.MkdirTemp("", "scanpay-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	os.Chmod(root, 0o755)
	etc := filepath.Join(root, "etc")
	if err := os.Mkdir(etc, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(etc, "scanpay.toml")
	if err := os.WriteFile(cfg, []byte(`data_dir = "/var/lib/scanpay"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "scanpay.test")
	copyFile(t, self, bin)
	for _, tc := range []struct{ name, path string }{
		{"unreadable file", cfg},
		{"folder closed", filepath.Join(etc, "closed", "scanpay.toml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "folder closed" {
				os.MkdirAll(filepath.Dir(tc.path), 0o700)
				os.WriteFile(tc.path, []byte(`data_dir = "/var/lib/scanpay"`+"\n"), 0o644)
			}
			cmd := exec.Command(bin, "-test.run=^TestUnreadableDefaultConfigIsAnError$")
			cmd.Env = append(os.Environ(), "SCANPAY_TEST_UNREADABLE="+tc.path, "HOME="+root)
			if os.Geteuid() == 0 {
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			}
			out, err := cmd.CombinedOutput()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err == nil {
				code = 0
			}
			if code != exitUsage {
				t.Errorf("exit %d, want %d:\n%s", code, exitUsage, out)
			}
			if strings.Contains(string(out), "SANDBOX") {
				t.Errorf("an unreadable configuration meant SANDBOX:\n%s", out)
			}
			for _, want := range []string{tc.path, "permission denied"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
