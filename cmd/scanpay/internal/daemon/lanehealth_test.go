//go:build !windows

package daemon

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestScannerUnplugEverywhere runs the daemon with a serial scanner on a
// real pty behind a by-id style link. Pulling the link out (the node
// vanishes, the pty stays open) shows within 2 s in /v1/status, in
// /v1/devices and on the token-less metrics port, and a checkout on the
// lane carries the warning; putting it back clears all of it, and a
// payment scanned through the pty is counted once in the metrics.
func TestScannerUnplugEverywhere(t *testing.T) {
	sim := jkopaytest.New(wallettest.Options{})
	defer sim.Close()
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pty: %v", err)
	}
	defer master.Close()
	ptyPath := slave.Name()
	slave.Close()
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "usb-Honeywell_1900-if00")
	if err := os.Symlink(ptyPath, link); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "jko.key"), []byte(sim.MerchantKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`
data_dir = "data"
[api]
listen = "127.0.0.1:0"
[metrics]
listen = "127.0.0.1:0"
[[scanners]]
kind = "serial"
name = "front"
port = %q
terminal_id = "AB123456"
[providers.jkopay]
base_url = %q
merchant_id = %q
merchant_key_file = "jko.key"
store_id = %q
store_name = %q
[[hooks]]
kind = "file"
dir = "receipts"
`, link, sim.URL(), jkopaytest.MerchantID, jkopaytest.StoreID, jkopaytest.StoreName)
	ctx := context.Background()
	d, cl := startFrom(t, dir, body, Options{Logger: quiet(), Version: "9.9.9", Commit: "c0ffee"})
	scrape := func() string {
		t.Helper()
		resp, err := http.Get("http://" + d.MetricsAddr() + "/metrics") // no token
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("metrics port: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	const connected = `scanpay_scanner_connected{device="front",lane="AB123456"} `
	state := func() (problem string, devConnected bool, metric string) {
		st, err := cl.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Problems {
			if strings.Contains(p, "scanner front on lane AB123456") {
				problem = p
			}
		}
		devs, err := cl.Devices(ctx)
		if err != nil || len(devs) != 1 {
			t.Fatalf("devices %+v, %v", devs, err)
		}
		m := scrape()
		i := strings.Index(m, connected)
		if i < 0 {
			t.Fatalf("no %s in metrics:\n%s", connected, m)
		}
		return problem, devs[0].Connected, m[i+len(connected) : i+len(connected)+1]
	}
	waitFor := func(what string, limit time.Duration, ok func(problem string, conn bool, metric string) bool) {
		t.Helper()
		start := time.Now()
		for {
			p, c, m := state()
			if ok(p, c, m) {
				t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > limit {
				t.Fatalf("%s: not within %s (problem %q, connected %v, metric %s)", what, limit, p, c, m)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("connected at start", 10*time.Second, func(p string, c bool, m string) bool { return p == "" && c && m == "1" })

	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	waitFor("unplug shown everywhere", 2*time.Second, func(p string, c bool, m string) bool { return p != "" && !c && m == "0" })
	p, _, _ := state()
	if !strings.Contains(p, "vanished") || !strings.Contains(p, "cable") {
		t.Errorf("problem %q should say the node vanished and name the cable", p)
	}
	if !strings.Contains(scrape(), "scanpay_healthy 0") {
		t.Error("scanpay_healthy is not 0 with a scanner unplugged")
	}
	v, ans, err := cl.CreatePayment(ctx, edge.CreateRequest{TerminalID: "AB123456", OrderNumber: "1", Amount: 77}, 0)
	if err != nil || ans.Status != http.StatusCreated {
		t.Fatalf("checkout on the unplugged lane: %+v %v", ans, err)
	}
	if len(v.Warnings) != 1 || v.Warnings[0].Code != edge.WarnNoScanner {
		t.Errorf("checkout warnings %+v, want %s", v.Warnings, edge.WarnNoScanner)
	}

	if err := os.Symlink(ptyPath, link); err != nil {
		t.Fatal(err)
	}
	waitFor("replug shown everywhere", 2*time.Second, func(p string, c bool, m string) bool { return p == "" && c && m == "1" })
	if _, err := master.Write([]byte(sim.IssueCode() + "\r")); err != nil {
		t.Fatal(err)
	}
	final, err := cl.WaitFinal(ctx, v.ID, 15*time.Second)
	if err != nil || final.State != store.Approved {
		t.Fatalf("payment scanned after replug: %+v %v", final, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := scrape()
		want := []string{
			`scanpay_payments_total{outcome="approved",wallet="jkopay"} 1`,
			`scanpay_payment_amount_twd_total{outcome="approved",wallet="jkopay"} 77`,
			`scanpay_scans_total{kind="payment",lane="AB123456"} 1`,
			`scanpay_wallet_request_duration_seconds_count{call="pay",wallet="jkopay"} 1`,
			`scanpay_hook_deliveries_total{hook="file",result="ok"} 1`,
			`scanpay_build_info{commit="c0ffee",mode="production",version="9.9.9"} 1`,
			`scanpay_journal_size_bytes `,
		}
		var missing []string
		for _, w := range want {
			if !strings.Contains(m, w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %q:\n%s", missing, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
