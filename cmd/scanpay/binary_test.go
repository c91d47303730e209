package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

// scanpayBinary builds the real command once, with version information
// set the way a release build sets it.
func scanpayBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scanpay-bin-")
		if err != nil {
			buildErr = err
			return
		}
		exe := ""
		if runtime.GOOS == "windows" {
			exe = ".exe"
		}
		binary = filepath.Join(dir, "scanpay"+exe)
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go"+exe)
		if _, err := os.Stat(goTool); err != nil && runtime.GOOS == "windows" {
			buildErr = errNoToolchain
			return
		}
		cmd := exec.Command(goTool, "build", "-o", binary, "-ldflags", "-X main.version=9.9.9-test -X main.commit=abcdef0 -X main.date=2026-11-21T00:00:00Z", ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr == errNoToolchain {
		t.Skip(buildErr)
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// errNoToolchain: the Windows test binary runs where no Windows Go
// toolchain is (under Wine, Go is Linux's), so it cannot build scanpay.exe
// itself; the Linux run builds and checks the same thing.
var errNoToolchain = errors.New("no Go toolchain for Windows here (under Wine, Go is Linux's), so the binary cannot be built from the test; the Linux run checks the version stamping")

func TestBinaryVersionFromLdflags(t *testing.T) {
	out, err := exec.Command(scanpayBinary(t), "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "scanpay 9.9.9-test (commit abcdef0, built 2026-11-21T00:00:00Z) " + runtime.Version(); !strings.HasPrefix(string(out), want) {
		t.Errorf("version = %q, want prefix %q", out, want)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
