package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// TestSettleUsageShowsThePaymentID: the usage line names the argument.
func TestSettleUsageShowsThePaymentID(t *testing.T) {
	_, out, _ := invoke(t, nil, "settle", "--help")
	if !strings.Contains(out, "Usage: scanpay settle <payment-id>") {
		t.Errorf("usage does not show <payment-id>:\n%s", out)
	}
}

// TestDevicesJSONListsAreEmptyNotNull: with no device of a kind, --json
// prints [] for it, which a script reads as "none".
func TestDevicesJSONListsAreEmptyNotNull(t *testing.T) {
	code, out, errOut := invoke(t, nil, "devices", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "null") {
		t.Errorf("devices --json prints null:\n%s", out)
	}
}

// TestSandboxNoteWhenAFileExists: `run --sandbox` with a configuration
// present does not log "no configuration file".
func TestSandboxNoteWhenAFileExists(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(present, []byte("data_dir = \"d\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := sandboxNote(present); strings.Contains(n, "no configuration file") || !strings.Contains(n, "--sandbox") {
		t.Errorf("with %s present: %q", present, n)
	}
	if n := sandboxNote(filepath.Join(dir, "absent.toml")); !strings.Contains(n, "no configuration file") {
		t.Errorf("with no file: %q", n)
	}
}

// sandboxDaemon starts a real SANDBOX daemon on a free loopback port for
// the CLI to talk to, logging to logTo; it stops when the test ends.
func sandboxDaemon(t *testing.T, engine edge.Config, logTo io.Writer, edit ...func(*config.Config)) (*daemon.Daemon, *config.Config) {
	t.Helper()
	cfg, err := config.Sandbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Listen = "127.0.0.1:0"
	for _, e := range edit {
		e(cfg)
	}
	log, _, _ := logging.New(logging.Options{Console: logTo, Sandbox: true})
	d, err := daemon.Start(t.Context(), cfg, daemon.Options{Logger: log, Engine: engine})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return d, cfg
}

// TestPayInterruptedCancelsItsCheckout: Ctrl-C on `scanpay pay` waiting
// for a scan cancels the payment it opened, against a real SANDBOX daemon,
// instead of leaving the lane awaiting a scan.
func TestPayInterruptedCancelsItsCheckout(t *testing.T) {
	ctx := t.Context()
	d, cfg := sandboxDaemon(t, edge.Config{}, io.Discard)
	cl := posclient.New(d.Addr(), d.Token())

	var out, errOut bytes.Buffer
	c := newCLI(strings.NewReader(""), &out, &errOut)
	c.lookupEnv = func(string) (string, bool) { return "", false }
	pctx, interrupt := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- c.run(pctx, []string{"pay", "--terminal", "AB123456", "--order", "C-1", "--amount", "100", "--wait", "60s", "--json",
			"--addr", d.Addr(), "--token-file", cfg.API.TokenFile})
	}()
	var id string
	for deadline := time.Now().Add(10 * time.Second); id == ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("pay opened no payment")
		}
		list, err := cl.Search(ctx, "C-1", "AB123456", "")
		if err == nil && len(list) == 1 {
			id = list[0].ID
		}
	}
	interrupt() // Ctrl-C
	var code int
	select {
	case code = <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("pay did not return after the interrupt")
	}
	v, err := cl.Payment(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.State != store.Cancelled {
		t.Errorf("after Ctrl-C the payment is %s, want cancelled (exit %d)\n%s", v.State, code, errOut.String())
	}
	if code != exitNotApproved || !strings.Contains(errOut.String(), "cancelled") {
		t.Errorf("exit %d, want %d and a word that it was cancelled:\n%s", code, exitNotApproved, errOut.String())
	}
}
