package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/edge"
)

// invoke runs the command line in this process.
func invoke(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := newCLI(strings.NewReader(""), &out, &errOut)
	c.lookupEnv = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if p, ok := env["default_config"]; ok {
		c.defaultConfig = p
	}
	code := c.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestHelpForEverySubcommand(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			code, out, _ := invoke(t, nil, name, "--help")
			if code != exitOK {
				t.Fatalf("exit %d", code)
			}
			_, example, _ := strings.Cut(out, "Example:\n")
			if !strings.Contains(out, "Usage: scanpay "+name) || !strings.Contains(example, "scanpay "+name) {
				t.Errorf("help lacks usage or an example:\n%s", out)
			}
			if len(strings.TrimSpace(out)) < 100 {
				t.Errorf("help too short to say what the command does:\n%s", out)
			}
			code2, out2, _ := invoke(t, nil, "help", name)
			if code2 != exitOK || out2 != out {
				t.Errorf("`scanpay help %s` differs from `%s --help`", name, name)
			}
		})
	}
}

func TestTopLevelUsage(t *testing.T) {
	code, out, _ := invoke(t, nil, "help")
	if code != exitOK || !strings.Contains(out, "Exit codes:") || !strings.Contains(out, "check-config") {
		t.Errorf("help: %d\n%s", code, out)
	}
	if code, _, errOut := invoke(t, nil); code != exitUsage || !strings.Contains(errOut, "Commands:") {
		t.Errorf("no arguments: %d %s", code, errOut)
	}
	if code, _, errOut := invoke(t, nil, "frobnicate"); code != exitUsage || !strings.Contains(errOut, "scanpay help") {
		t.Errorf("unknown command: %d %s", code, errOut)
	}
	if code, _, _ := invoke(t, nil, "version", "--bogus"); code != exitUsage {
		t.Errorf("bad flag: exit %d, want %d", code, exitUsage)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := invoke(t, nil, "version")
	if code != exitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"scanpay dev", "commit unknown", runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(out, want) {
			t.Errorf("version %q lacks %q", out, want)
		}
	}
	version, commit, date = "1.2.3", "abc1234", "2026-11-21T20:00:00Z"
	defer func() { version, commit, date = "", "", "" }()
	_, out, _ = invoke(t, nil, "version")
	if !strings.HasPrefix(out, "scanpay 1.2.3 (commit abc1234, built 2026-11-21T20:00:00Z) go") {
		t.Errorf("with -ldflags: %q", out)
	}
}

// exampleSecrets are the files packaging/scanpay.example.toml reads its
// wallet keys from (relative to its folder).
var exampleSecrets = map[string]string{
	"secrets/jkopay.key":       "example-jkopay-merchant-key",
	"secrets/gateway-auth.key": "example-gateway-auth-key",
	"secrets/gateway-acc.key":  "example-gateway-acc-key",
	"secrets/linepay.key":      "example-linepay-channel-secret",
}

// exampleFilled are the example's placeholders and what an admin fills
// them with.
var exampleFilled = strings.NewReplacer(
	"https://pos.jkopay.com/SYSTEM-NAME", "https://pos.jkopay.com/ACME",
	"M000000001", "M123456789",
	"Your Store", "Acme Xinyi",
	"https://gateway.example.com", "https://omni.gateway.tw",
	"YOUR-BRANCH", "B0042",
	"YOUR-OMNI-STORE-ID", "OMNI-0042",
	"YOUR-CHANNEL-ID", "1654987321",
)

// exampleConfig copies packaging/scanpay.example.toml, its placeholders
// filled in, into a folder with its secret files, as an admin following
// its comments would.
func exampleConfig(t *testing.T) string {
	t.Helper()
	return exampleConfigAs(t, exampleFilled.Replace)
}

// mainExample is the example configuration an admin copies.
var mainExample = filepath.Join("..", "..", "packaging", "scanpay.example.toml")

// exampleConfigFrom is exampleConfig for another example file.
func exampleConfigFrom(t *testing.T, example string) string {
	t.Helper()
	return exampleConfigFromAs(t, example, exampleFilled.Replace)
}

// exampleConfigAs is exampleConfig with the example's text passed through
// edit.
func exampleConfigAs(t *testing.T, edit func(string) string) string {
	t.Helper()
	return exampleConfigFromAs(t, mainExample, edit)
}

func exampleConfigFromAs(t *testing.T, example string, edit func(string) string) string {
	t.Helper()
	raw, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(edit(string(raw)))
	dir := t.TempDir()
	path := filepath.Join(dir, "scanpay.toml")
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
	for name, secret := range exampleSecrets {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(secret+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestExampleConfigParsesAndValidates keeps packaging/scanpay.example.toml
// honest against the real wallets' keys, and shows check-config's output.
func TestExampleConfigParsesAndValidates(t *testing.T) {
	path := exampleConfig(t)
	cfg, err := config.Load(path, config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	wantDataDir := "/var/lib/scanpay"
	if runtime.GOOS == "windows" {
		// The example's Unix path is rooted but has no drive there: it
		// means that folder on the config file's drive.
		wantDataDir = filepath.VolumeName(path) + `\var\lib\scanpay`
	}
	if len(cfg.Wallets) != 4 || len(cfg.Scanners) != 1 || len(cfg.Hooks) != 1 || cfg.DataDir != wantDataDir {
		t.Errorf("example decoded to %+v", cfg)
	}
	code, out, errOut := invoke(t, nil, "check-config", "--config", path)
	if code != exitOK {
		t.Fatalf("check-config: %d %s", code, errOut)
	}
	for _, secret := range exampleSecrets {
		if strings.Contains(out, secret) {
			t.Errorf("check-config printed a secret:\n%s", out)
		}
	}
	for _, want := range []string{"[providers.jkopay]", `merchant_key_file = `, "secrets/jkopay.key", `mode = "production"`} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config output lacks %s:\n%s", want, out)
		}
	}
}

// TestExampleConfigPlaceholdersAreRefused: the example copied as it is
// does not pass for a configuration; check-config names every key still
// holding a placeholder.
func TestExampleConfigPlaceholdersAreRefused(t *testing.T) {
	path := exampleConfigAs(t, func(s string) string { return s })
	code, _, errOut := invoke(t, nil, "check-config", "--config", path)
	if code != exitUsage {
		t.Fatalf("check-config on the unfilled example: exit %d, want %d\n%s", code, exitUsage, errOut)
	}
	for _, key := range []string{"providers.jkopay.base_url", "providers.jkopay.merchant_id", "providers.jkopay.store_name", "providers.easywallet.base_url", "providers.easywallet.branch_code", "providers.ipass.base_url", "providers.ipass.omni_store_id", "providers.linepay.channel_id"} {
		if !strings.Contains(errOut, "fill in "+key) {
			t.Errorf("check-config does not ask to fill in %s:\n%s", key, errOut)
		}
	}
}

func TestCheckConfigExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("data_dir = \"d\"\nworkers = -3\n[providers.jkopay]\nbase_url = \"http://127.0.0.1:1/x\"\n"), 0o600)
	code, _, errOut := invoke(t, nil, "check-config", "--config", bad)
	if code != exitUsage || !strings.Contains(errOut, "workers") || !strings.Contains(errOut, "merchant_key") {
		t.Errorf("bad config: exit %d\n%s", code, errOut)
	}
	code, _, errOut = invoke(t, nil, "check-config", "--config", filepath.Join(dir, "missing.toml"))
	if code != exitUsage || !strings.Contains(errOut, "does not exist") || !strings.Contains(errOut, "SANDBOX") {
		t.Errorf("missing config: exit %d\n%s", code, errOut)
	}
}

// TestPayAndPaymentsAgainstARunningDaemon drives `scanpay pay` and
// `scanpay payments` against a real SANDBOX daemon over HTTP.
func TestPayAndPaymentsAgainstARunningDaemon(t *testing.T) {
	cfg, err := config.Sandbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logBuf bytes.Buffer
	log, _, _ := logging.New(logging.Options{Console: &logBuf, Sandbox: true})
	d, err := daemon.Start(ctx, cfg, daemon.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}

	code := d.Simulators()["jkopay"].IssueCode()
	rc, out, errOut := invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "42", "--amount", "100", "--code", code, "--wait", "20s"}, api...)...)
	if rc != exitOK || !strings.Contains(out, "state approved") || !strings.Contains(out, "[SANDBOX]") {
		t.Fatalf("pay: exit %d\n%s\n%s", rc, out, errOut)
	}
	if strings.Contains(out+errOut, code) {
		t.Errorf("pay printed the full code")
	}
	// 928 TWD is the simulators' magic "insufficient balance" decline.
	code2 := d.Simulators()["easywallet"].IssueCode()
	rc, out, _ = invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "43", "--amount", "928", "--code", code2}, api...)...)
	if rc != exitNotApproved || !strings.Contains(out, "state declined") {
		t.Errorf("declined pay: exit %d\n%s", rc, out)
	}
	rc, out, _ = invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "44", "--amount", "10", "--wait", "300ms"}, api...)...)
	if rc != exitPending || !strings.Contains(out, "awaiting_scan") {
		t.Errorf("unscanned pay: exit %d\n%s", rc, out)
	}

	rc, out, _ = invoke(t, nil, append([]string{"payments", "--order", "42", "--json"}, api...)...)
	var list []edge.PaymentView
	if rc != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].State != "approved" || !list[0].Sandbox {
		t.Errorf("payments --order 42: exit %d\n%s", rc, out)
	}
	rc, out, _ = invoke(t, nil, append([]string{"payments", "--terminal", "AB123456"}, api...)...)
	if rc != exitOK || strings.Count(out, "AB123456") != 3 {
		t.Errorf("payments --terminal: exit %d\n%s", rc, out)
	}
	if rc, _, _ = invoke(t, nil, append([]string{"payments"}, api...)...); rc != exitUsage {
		t.Errorf("payments without a query: exit %d", rc)
	}
	rc, _, errOut = invoke(t, nil, "payments", "--order", "42", "--addr", "127.0.0.1:1", "--token-file", cfg.API.TokenFile)
	if rc != exitUnreachable || !strings.Contains(errOut, "not reachable") {
		t.Errorf("no daemon: exit %d %s", rc, errOut)
	}
	wrong := filepath.Join(t.TempDir(), "token")
	os.WriteFile(wrong, []byte("0123456789abcdef0123456789abcdef"), 0o600)
	if rc, _, errOut = invoke(t, nil, "payments", "--order", "42", "--addr", d.Addr(), "--token-file", wrong); rc != exitUsage || !strings.Contains(errOut, "401") {
		t.Errorf("wrong token: exit %d %s", rc, errOut)
	}
	rc, out, _ = invoke(t, nil, "status", "--addr", d.Addr())
	if rc != exitOK || !strings.Contains(out, "answering, ok=true (SANDBOX)") || !strings.Contains(out, "service: ") {
		t.Errorf("status: exit %d\n%s", rc, out)
	}
	if rc, out, _ = invoke(t, nil, "status", "--addr", "127.0.0.1:1"); rc != exitUnreachable || !strings.Contains(out, "not answering") {
		t.Errorf("status of nothing: exit %d\n%s", rc, out)
	}
	if strings.Contains(logBuf.String(), code) || strings.Contains(logBuf.String(), d.Token()) {
		t.Errorf("the daemon's log holds a full code or the token")
	}
	if !strings.Contains(logBuf.String(), "mode=SANDBOX") {
		t.Errorf("SANDBOX log lines do not say so:\n%s", logBuf.String())
	}
}

// TestSecondInstanceIsRefusedWithExitCode3 runs the daemon twice on one
// data folder.
func TestSecondInstanceIsRefusedWithExitCode3(t *testing.T) {
	cfg, err := config.Sandbox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.API.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet, _, _ := logging.New(logging.Options{})
	d, err := daemon.Start(ctx, cfg, daemon.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	start := time.Now()
	_, err = daemon.Start(ctx, cfg, daemon.Options{Logger: quiet})
	if exitCode(err) != exitLocked {
		t.Fatalf("second daemon: %v (exit %d), want exit %d", err, exitCode(err), exitLocked)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("refusal took %v", time.Since(start))
	}
}

// TestDevicesJSON lists this machine's devices through the real discovery
// (on a build machine usually none) and checks the JSON shape.
func TestDevicesJSON(t *testing.T) {
	rc, out, errOut := invoke(t, nil, "devices", "--json")
	if rc != exitOK {
		t.Fatalf("devices: exit %d %s", rc, errOut)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("devices --json is not JSON: %v\n%s", err, out)
	}
	if _, ok := d["Serial"]; !ok {
		if _, ok := d["serial"]; !ok {
			t.Errorf("no serial list in %s", out)
		}
	}
	if rc, out, _ = invoke(t, nil, "devices"); rc != exitOK || out == "" {
		t.Errorf("devices table: exit %d %q", rc, out)
	}
}

// TestNoConfigMeansSandbox: with no --config and nothing at the default
// path, scanpay is in SANDBOX mode with its journal in the user's data
// folder; with a file at the default path, that file is used.
func TestNoConfigMeansSandbox(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_DATA_HOME", xdg)
	missing := filepath.Join(t.TempDir(), "scanpay.toml")
	rc, out, errOut := invoke(t, map[string]string{"default_config": missing}, "check-config")
	if rc != exitOK || !strings.Contains(out, `mode = "SANDBOX"`) {
		t.Fatalf("check-config without a file: exit %d\n%s%s", rc, out, errOut)
	}
	if runtime.GOOS == "linux" && !strings.Contains(out, filepath.Join(xdg, "scanpay", "sandbox")) {
		t.Errorf("SANDBOX journal not in $XDG_DATA_HOME/scanpay/sandbox:\n%s", out)
	}
	if rc, _, errOut := invoke(t, map[string]string{"default_config": missing}, "install"); rc != exitUsage || !strings.Contains(errOut, "pass --config") {
		t.Errorf("install without a configuration: exit %d %s", rc, errOut)
	}
	os.WriteFile(missing, []byte("data_dir = \"d\"\n"), 0o600)
	rc, _, errOut = invoke(t, map[string]string{"default_config": missing}, "check-config")
	if rc != exitUsage || !strings.Contains(errOut, missing) {
		t.Errorf("the file at the default path was not used: exit %d %s", rc, errOut)
	}
}
