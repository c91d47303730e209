package main

import (
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/scanner"
)

// A scanner that never opens is, after scanner_grace, a problem
// `scanpay status` prints and exits 7 for, and `scanpay pay` on its lane
// shows the checkout's warning.
func TestMissingScannerInStatusAndPay(t *testing.T) {
	d, cfg := sandboxDaemon(t, edge.Config{}, io.Discard, func(c *config.Config) {
		c.Scanners = []scanner.Config{{Kind: scanner.KindSerial, Name: "front", Port: filepath.Join(t.TempDir(), "ttyACM9"), TerminalID: "AB123456"}}
		c.ScannerGrace = 500 * time.Millisecond
	})
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc, out, _ := invoke(t, nil, append([]string{"status"}, api...)...)
		if rc == exitProblems && strings.Contains(out, "scanner front on lane AB123456 is not connected") {
			fix := "/dev/serial/by-id" // where a USB-serial scanner's stable name is
			if runtime.GOOS == "windows" {
				fix = "Device Manager" // where its new COM port is found
			}
			if !strings.Contains(out, fix) {
				t.Errorf("the problem does not name the fix (%s):\n%s", fix, out)
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
