package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestStatusPrintsProblems: against a real SANDBOX daemon, `scanpay status`
// says nothing needs a person (exit 0); then an iPass payment no rule can
// settle makes it print that problem, numbered and naming the `scanpay
// settle` command, with exit 7 (also when the token cannot be read: the
// problems are then not shown, the exit code still is 7); once a supervisor
// settles it, status is back to exit 0. The daemon's log says the same:
// one WARN when the problem appears, one INFO when it is resolved.
func TestStatusPrintsProblems(t *testing.T) {
	cfg, err := config.Sandbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logBuf lockedBuffer
	log, _, _ := logging.New(logging.Options{Console: &logBuf, Sandbox: true})
	d, err := daemon.Start(ctx, cfg, daemon.Options{Logger: log, Engine: edge.Config{
		Resolve: edge.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}
	status := func(args ...string) (int, string) {
		t.Helper()
		rc, out, errOut := invoke(t, nil, append([]string{"status"}, args...)...)
		if errOut != "" {
			t.Errorf("status wrote to stderr: %s", errOut)
		}
		return rc, out
	}

	if rc, out := status(api...); rc != exitOK || !strings.Contains(out, "answering, ok=true (SANDBOX)") || !strings.HasSuffix(out, "problems: none\n") {
		t.Fatalf("a healthy daemon: exit %d\n%s", rc, out)
	}

	ipass := d.Simulators()["ipass"]
	ipass.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	ipass.Inject(wallettest.CallVoid, faults(wallettest.Fault{Kind: wallettest.Decline, Code: "0001"}, 1000)...)
	rc, out, errOut := invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "ST-1", "--amount", "100", "--code", ipass.IssueCode(), "--wait", "500ms", "--json"}, api...)...)
	var v edge.PaymentView
	if rc != exitPending || json.Unmarshal([]byte(out), &v) != nil || v.State != store.Unknown {
		t.Fatalf("pay: exit %d, want %d with the payment unknown\n%s%s", rc, exitPending, out, errOut)
	}

	numbered := regexp.MustCompile(`(?m)^  1\. payment ` + regexp.QuoteMeta(v.ID) + ` \(order ST-1.*scanpay settle ` + regexp.QuoteMeta(v.ID) + ` --as approved`)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		rc, out = status(api...)
		if rc == exitProblems && strings.Contains(out, "PROBLEMS: 1 need a person") && numbered.MatchString(out) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never printed the unknown payment's problem: exit %d\n%s", rc, out)
		}
	}
	if !strings.Contains(out, "answering, ok=false (SANDBOX)") {
		t.Errorf("status with a problem: %s", out)
	}

	// Someone who may not read the token still learns that something is
	// wrong, from the exit code and /healthz.
	wrong := filepath.Join(t.TempDir(), "token")
	os.WriteFile(wrong, []byte("0123456789abcdef0123456789abcdef"), 0o600)
	rc, out = status("--addr", d.Addr(), "--token-file", wrong)
	if rc != exitProblems || !strings.Contains(out, "problems: not read: ") || !strings.Contains(out, "401") || strings.Contains(out, v.ID) {
		t.Errorf("status with a wrong token: exit %d\n%s", rc, out)
	}
	rc, out = status("--addr", d.Addr(), "--token-file", filepath.Join(t.TempDir(), "absent"))
	if rc != exitProblems || !strings.Contains(out, "problems: not read: cannot read the API token") {
		t.Errorf("status without a token file: exit %d\n%s", rc, out)
	}

	if rc, out, errOut := invoke(t, nil, append([]string{"settle", v.ID, "--as", "declined", "--note", "iPass portal: order ST-1 not found — J. Chen"}, api...)...); rc != exitOK {
		t.Fatalf("settle: exit %d\n%s%s", rc, out, errOut)
	}
	if rc, out = status(api...); rc != exitOK || !strings.HasSuffix(out, "problems: none\n") {
		t.Errorf("after settling: exit %d\n%s", rc, out)
	}

	logs := logBuf.String()
	key := "problem=payment:" + v.ID
	var warns, resolved int
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, key) {
			continue
		}
		switch {
		case strings.Contains(l, "WARN") && strings.Contains(l, "problem: payment "+v.ID):
			warns++
		case strings.Contains(l, "INFO") && strings.Contains(l, "resolved: payment "+v.ID):
			resolved++
		}
	}
	// The wallet keeps answering the same, so the problem is said once
	// however many attempts it took, and resolved once.
	if warns != 1 || resolved != 1 {
		t.Errorf("log: %d WARN problem lines and %d INFO resolved lines for %s, want 1 and 1:\n%s", warns, resolved, v.ID, logs)
	}
}
