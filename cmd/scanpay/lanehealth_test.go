package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/scanner"
)

// A scanner that never opens is, after scanner_grace, a problem
// `scanpay status` prints and exits 7 for, and `scanpay pay` on its lane
// shows the checkout's warning.
func TestMissingScannerInStatusAndPay(t *testing.T) {
	cfg, err := config.Sandbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Listen = "127.0.0.1:0"
	cfg.Scanners = []scanner.Config{{Kind: scanner.KindSerial, Name: "front", Port: filepath.Join(t.TempDir(), "ttyACM9"), TerminalID: "AB123456"}}
	cfg.ScannerGrace = 500 * time.Millisecond
	log, _, _ := logging.New(logging.Options{Console: io.Discard, Sandbox: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := daemon.Start(ctx, cfg, daemon.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc, out, _ := invoke(t, nil, append([]string{"status"}, api...)...)
		if rc == exitProblems && strings.Contains(out, "scanner front on lane AB123456 is not connected") {
			if !strings.Contains(out, "/dev/serial/by-id") {
				t.Errorf("the problem names no fix:\n%s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status: exit %d, want %d naming the scanner\n%s", rc, exitProblems, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	rc, _, errOut := invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "1", "--amount", "10", "--wait", "200ms"}, api...)...)
	if rc != exitPending || !strings.Contains(errOut, "warning (no_scanner_connected): no scanner is connected on lane AB123456") {
		t.Errorf("pay on the lane without scanner: exit %d, stderr:\n%s", rc, errOut)
	}
}
