//go:build linux

package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startRun starts `scanpay run --sandbox` (with its monitor, and any extra
// flags) and waits until the POS API answers.
func startRun(t *testing.T, dataDir, addr string, extra ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	var stderr lockedBuffer
	cmd := exec.Command(scanpayBinary(t), append([]string{"run", "--sandbox", "--data-dir", dataDir, "--listen", addr}, extra...)...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.Header.Get("Scanpay-Mode") != "SANDBOX" {
				t.Errorf("healthz does not say SANDBOX: %v", resp.Header)
			}
			return cmd, &stderr
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("scanpay run did not answer on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBinaryRunStopsOnSIGTERMAndSurvivesKill9: the real binary in SANDBOX
// mode, stopped cleanly by SIGTERM; and after its monitor is killed with
// SIGKILL the daemon child dies with it, so a restart on the same journal
// is not locked out.
func TestBinaryRunStopsOnSIGTERMAndSurvivesKill9(t *testing.T) {
	dataDir := t.TempDir()
	addr := freeAddr(t)

	first, _ := startRun(t, dataDir, addr)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	// The port and the journal come free when the orphaned child dies.
	var second *exec.Cmd
	var stderr *lockedBuffer
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the daemon outlived its killed monitor")
		}
		time.Sleep(50 * time.Millisecond)
	}
	second, stderr = startRun(t, dataDir, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("scanpay run after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		second.Process.Kill()
		t.Fatalf("scanpay run did not stop on SIGTERM\n%s", stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{"mode=SANDBOX", "scanpay started", "scanpay stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "journal.db")); err != nil {
		t.Errorf("journal: %v", err)
	}
}

// TestBinaryMonitoredDaemonGetsTheEnvSecret: loading the configuration
// takes a `*_env` wallet key out of the environment (so no hook inherits
// it), in the monitor too; the daemon the monitor starts still gets it and
// starts.
func TestBinaryMonitoredDaemonGetsTheEnvSecret(t *testing.T) {
	const key = "env-key-6d1e-30b7-55"
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := "data_dir = \"data\"\n[api]\nlisten = \"" + addr + "\"\n" +
		"[providers.jkopay]\nbase_url = \"http://127.0.0.1:1\"\nmerchant_id = \"M123456789\"\nmerchant_key_env = \"SCANPAY_TEST_MONITOR_KEY\"\nstore_id = \"S0001\"\nstore_name = \"Test\"\n"
	path := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd := exec.Command(scanpayBinary(t), "run", "--config", path)
	cmd.Env = append(os.Environ(), "SCANPAY_TEST_MONITOR_KEY="+key)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("scanpay run ended (%v) before it answered:\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("scanpay run did not answer on %s:\n%s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(stderr.String(), key) {
		t.Errorf("the key reached the log:\n%s", stderr.String())
	}
}
