//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestUnpluggedScannerIsAProblem runs the real binary with a serial
// scanner on a pty behind a /dev/serial/by-id style link. Deleting the
// link is a USB-serial adapter pulled out: within 2 s `scanpay status`
// exits 7 naming the scanner, its lane and the fix, and the token-less
// metrics port says scanpay_scanner_connected 0; a checkout on the lane is
// taken with a warning. Putting the link back clears it all.
func TestUnpluggedScannerIsAProblem(t *testing.T) {
	dir := t.TempDir()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	ptyPath := slave.Name()
	slave.Close() // scanpay is the only one on the port, as on a real one
	t.Cleanup(func() { master.Close() })
	link := filepath.Join(dir, "usb-Honeywell_1900-if00")
	if err := os.Symlink(ptyPath, link); err != nil {
		t.Fatal(err)
	}
	port, metricsPort := freePort(t), freePort(t)
	config := fmt.Sprintf(`config_version = 1
data_dir = %q

[api]
listen = "127.0.0.1:%d"
token_file = %q

[metrics]
listen = "127.0.0.1:%d"

[[scanners]]
kind = "serial"
name = "front"
port = %q
terminal_id = %q

%s`, filepath.Join(dir, "data"), port, filepath.Join(dir, "api-token"), metricsPort, link, lane, providersTOML(t))
	s := installation(t, dir, port, config)
	s.master = master
	s.start()

	status := func() (int, string) {
		cmd := exec.Command(filepath.Join(binDir, "scanpay"), "status", "--config", s.config)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("scanpay status: %v", err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	metric := func() string {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		const series = `scanpay_scanner_connected{device="front",lane="` + lane + `"} `
		i := strings.Index(string(b), series)
		if i < 0 {
			t.Fatalf("metrics port (%d) has no %s", resp.StatusCode, series)
		}
		return string(b)[i+len(series) : i+len(series)+1]
	}
	until := func(what string, limit time.Duration, wantExit int, wantMetric string) string {
		t.Helper()
		start := time.Now()
		for {
			code, out := status()
			if m := metric(); code == wantExit && m == wantMetric {
				t.Logf("%s: after %s", what, time.Since(start).Round(time.Millisecond))
				return out
			} else if time.Since(start) > limit {
				t.Fatalf("%s: not within %s: status exit %d, metric %s\n%s", what, limit, code, m, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	until("healthy with the scanner", 10*time.Second, 0, "1")

	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	out := until("unplug", 2*time.Second, 7, "0")
	for _, want := range []string{"scanner front on lane " + lane, "vanished", "cable", "/dev/serial/by-id"} {
		if !strings.Contains(out, want) {
			t.Errorf("scanpay status does not say %q:\n%s", want, out)
		}
	}
	var created struct {
		State    string `json:"state"`
		Warnings []struct {
			Code string `json:"code"`
		} `json:"warnings"`
	}
	s.must("POST", "/v1/payments", `{"terminal_id":"`+lane+`","order_number":"U1","amount":10}`, 201, &created)
	if created.State != "awaiting_scan" || len(created.Warnings) != 1 || created.Warnings[0].Code != "no_scanner_connected" {
		t.Errorf("checkout on the unplugged lane: %+v, want awaiting_scan with a no_scanner_connected warning", created)
	}

	if err := os.Symlink(ptyPath, link); err != nil {
		t.Fatal(err)
	}
	until("replug", 2*time.Second, 0, "1")
}
