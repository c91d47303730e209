package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/scanner"
)

// testWallet is a wallet driver of this test's own: the config package is
// tested against the registry's contract, not against one wallet's keys.
type testWalletConfig struct {
	BaseURL         string        `toml:"base_url"`
	MerchantKey     string        `toml:"merchant_key"`
	MerchantKeyFile string        `toml:"merchant_key_file"`
	MerchantKeyEnv  string        `toml:"merchant_key_env"`
	CodeTTL         time.Duration `toml:"code_ttl"`
	key             string
}

func (c *testWalletConfig) Provision(env providers.Env) error {
	k, err := providers.ResolveSecret(env, "providers.testwallet.merchant_key", c.MerchantKey, c.MerchantKeyFile, c.MerchantKeyEnv)
	c.key = k
	return err
}

func (c *testWalletConfig) Validate() error {
	if c.BaseURL == "" {
		return errors.New("providers.testwallet.base_url is empty: set it to the wallet's API address")
	}
	return nil
}

func (c *testWalletConfig) Limits() providers.Limits { return providers.Limits{CodeTTL: c.CodeTTL} }

func (c *testWalletConfig) Open(providers.Env) (providers.Wallet, error) {
	return nil, errors.New("the test wallet cannot be opened")
}

func init() {
	providers.Register(providers.Driver{Name: "testwallet", NewConfig: func() providers.Config { return &testWalletConfig{} }})
}

const minimal = `
data_dir = "data"
[providers.testwallet]
base_url = "http://127.0.0.1:1"
merchant_key = "s3cr3t-merchant-key"
`

func noEnv(string) (string, bool) { return "", false }

func TestMinimalConfig(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse([]byte(minimal), dir, Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != filepath.Join(dir, "data") {
		t.Errorf("data_dir = %s, want it under the config's folder %s", c.DataDir, dir)
	}
	if c.API.TokenFile != filepath.Join(dir, "data", "api-token") {
		t.Errorf("api.token_file default = %s", c.API.TokenFile)
	}
	if c.ConfigVersion != CurrentVersion || len(c.Notes) != 0 {
		t.Errorf("version %d notes %v", c.ConfigVersion, c.Notes)
	}
	if len(c.Wallets) != 1 || c.Wallets[0].Name != "testwallet" || c.Wallets[0].Config.(*testWalletConfig).key != "s3cr3t-merchant-key" {
		t.Errorf("wallets %+v", c.Wallets)
	}
	if c.JournalPath() != filepath.Join(dir, "data", "journal.db") || c.ServiceLogFile() != filepath.Join(dir, "data", "logs", "scanpay.log") {
		t.Errorf("journal %s log %s", c.JournalPath(), c.ServiceLogFile())
	}
}

// TestValidationErrorsNameKeyAndFix: every refusal names the key at fault
// and says what to do.
func TestValidationErrorsNameKeyAndFix(t *testing.T) {
	tests := []struct {
		name string
		toml string
		key  string // the key the error must name
		fix  string // and a piece of the fix
	}{
		{"misspelled top key", minimal + "\ndata_dirr = \"x\"\n", "data_dirr", "check its spelling"},
		{"misspelled wallet key", strings.Replace(minimal, "base_url", "base_url = \"x\"\nbase_ulr", 1), "providers.testwallet.base_ulr", "check its spelling"},
		{"misspelled api key", minimal + "[api]\nlisten_on = \"x\"\n", "api.listen_on", "check its spelling"},
		{"unknown wallet", minimal + "[providers.linepay]\nbase_url = \"x\"\n", "providers.linepay", "use one of"},
		{"no data_dir", strings.Replace(minimal, `data_dir = "data"`, "", 1), "data_dir", "set it to"},
		{"negative workers", "workers = -1\n" + minimal, "workers", "set 1 to 256"},
		{"negative scan_hold", "scan_hold = \"-1s\"\n" + minimal, "scan_hold", "below its lower bound of 1s"},
		{"bad duration", "scan_timeout = \"soon\"\n" + minimal, "scan_timeout", "each key's type"},
		{"wrong type", "workers = \"eight\"\n" + minimal, "workers", "each key's type"},
		{"short retention", "retention = \"1h\"\n" + minimal, "retention", "lower bound of 24h"},
		{"public listen", minimal + "[api]\nlisten = \"0.0.0.0:8727\"\n", "api.listen", ""},
		{"public metrics listen", minimal + "[metrics]\nlisten = \"0.0.0.0:9464\"\n", "metrics.listen", "not a loopback address"},
		{"metrics listen a name", minimal + "[metrics]\nlisten = \"prometheus.lan:9464\"\n", "metrics.listen", "127.0.0.1:9464"},
		{"metrics listen no port", minimal + "[metrics]\nlisten = \"127.0.0.1\"\n", "metrics.listen", "not host:port"},
		{"metrics on the api port", minimal + "[metrics]\nlisten = \"127.0.0.1:8727\"\n", "metrics.listen", "its own port"},
		{"metrics on the api port by name", minimal + "[metrics]\nlisten = \"localhost:8727\"\n", "metrics.listen", "its own port"},
		{"misspelled metrics key", minimal + "[metrics]\nlisen = \"127.0.0.1:9464\"\n", "metrics.lisen", "check its spelling"},
		{"scanner_grace too short", "scanner_grace = \"10ms\"\n" + minimal, "scanner_grace", "lower bound of 500ms"},
		{"scanner_grace bare", "scanner_grace = 3\n" + minimal, "scanner_grace", "with a unit"},
		{"serial scanner without port", minimal + "[[scanners]]\nkind = \"serial\"\nterminal_id = \"AB123456\"\n", "scanners[0].port", "set port"},
		{"bad hook", minimal + "[[hooks]]\nkind = \"printer\"\n", "hooks[0].kind", "set it to"},
		{"hook env not a name", minimal + "[[hooks]]\nkind = \"exec\"\ncommand = [\"lp\"]\nenv = [\"A=B\"]\n", "hooks[0].env", "list names only"},
		{"hook env names a wallet key", strings.Replace(minimal, "merchant_key = \"s3cr3t-merchant-key\"", "merchant_key_env = \"JKO_KEY\"", 1) + "[[hooks]]\nkind = \"exec\"\ncommand = [\"lp\"]\nenv = [\"PRINTER\", \"jko_key\"]\n",
			"hooks[0].env names jko_key, which holds the wallet key providers.testwallet.merchant_key_env", "remove jko_key from env"},
		{"bad classify rule", minimal + "[[classify]]\nname = \"x\"\nclass = \"x\"\nprefix = \"x\"\ncharset = \"emoji\"\nmin_len = 3\nmax_len = 3\n", "classify", ""},
		{"secret twice", strings.Replace(minimal, "base_url", "merchant_key_env = \"K\"\nbase_url", 1), "providers.testwallet.merchant_key", "keep exactly one"},
		{"secret env unset", strings.Replace(minimal, "merchant_key = \"s3cr3t-merchant-key\"", "merchant_key_env = \"NOPE\"", 1), "merchant_key_env", "export it"},
		{"secret file missing", strings.Replace(minimal, "merchant_key = \"s3cr3t-merchant-key\"", "merchant_key_file = \"nope.key\"", 1), "merchant_key_file", "create it"},
		{"wallet validation", strings.Replace(minimal, "base_url = \"http://127.0.0.1:1\"", "", 1), "providers.testwallet.base_url", "set it to"},
		{"no wallets", "data_dir = \"d\"\n", "[providers.", "configure at least one"},
		{"bad log level", minimal + "[log]\nlevel = \"loud\"\n", "log.level", "set it to"},
		{"bad day_starts", minimal + "[report]\nday_starts = \"2am\"\n", "report.day_starts", "\"HH:MM\""},
		{"bad time_zone", minimal + "[report]\ntime_zone = \"Taipei\"\n", "report.time_zone", "Asia/Taipei"},
		{"newer version", "config_version = 2\n" + minimal, "config_version", "upgrade scanpay"},
		{"version not a number", "config_version = \"one\"\n" + minimal, "config_version", "set it to 1"},
		{"not toml", "data_dir = \n", "TOML", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.toml), t.TempDir(), Options{LookupEnv: noEnv})
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %v is not a *config.Error (the exit code depends on it)", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.key) || !strings.Contains(msg, tt.fix) {
				t.Errorf("error does not name %q and fix %q:\n%s", tt.key, tt.fix, msg)
			}
			if strings.Contains(msg, "s3cr3t-merchant-key") {
				t.Errorf("error shows the secret: %s", msg)
			}
		})
	}
}

// TestHookEnvKey: an exec hook's env key is read from the file and shown
// by check-config.
func TestHookEnvKey(t *testing.T) {
	c, err := Parse([]byte(minimal+"[[hooks]]\nkind = \"exec\"\ncommand = [\"lp\"]\nenv = [\"PRINTER_NAME\", \"LC_PAPER\"]\n"), t.TempDir(), Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Hooks[0].Env, ","); got != "PRINTER_NAME,LC_PAPER" {
		t.Errorf("hooks[0].env = %q", got)
	}
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `env = ["PRINTER_NAME", "LC_PAPER"]`) {
		t.Errorf("check-config does not show the env key:\n%s", out.String())
	}
}

// TestRelativePathsFromTheConfigFolder: a service does not start in the
// config's folder (Windows: system32), so the working directory must not
// matter.
func TestRelativePathsFromTheConfigFolder(t *testing.T) {
	confDir := filepath.Join(t.TempDir(), "etc")
	if err := os.MkdirAll(filepath.Join(confDir, "secrets"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "secrets", "jko.key"), []byte("from-a-file-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(confDir, "scanpay.toml")
	body := `
data_dir = "../var/data"
[api]
token_file = "token"
[log]
file = "logs/x.log"
[providers.testwallet]
base_url = "http://127.0.0.1:1"
merchant_key_file = "secrets/jko.key"
`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // somewhere else entirely
	c, err := Load(path, Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"data_dir":       filepath.Join(filepath.Dir(confDir), "var", "data"),
		"api.token_file": filepath.Join(confDir, "token"),
		"log.file":       filepath.Join(confDir, "logs", "x.log"),
	}
	got := map[string]string{"data_dir": c.DataDir, "api.token_file": c.API.TokenFile, "log.file": c.Log.File}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s = %s, want %s", k, got[k], want[k])
		}
	}
	if key := c.Wallets[0].Config.(*testWalletConfig).key; key != "from-a-file-key" {
		t.Errorf("secret from file = %q", key)
	}
	if c.Path != path || c.Dir != confDir {
		t.Errorf("path %s dir %s", c.Path, c.Dir)
	}
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte("file-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "SCANPAY_TEST_KEY" {
			return "env-secret", true
		}
		return "", false
	}
	for _, tt := range []struct{ line, want string }{
		{`merchant_key = "inline-secret"`, "inline-secret"},
		{`merchant_key_file = "k"`, "file-secret"},
		{`merchant_key_env = "SCANPAY_TEST_KEY"`, "env-secret"},
	} {
		body := strings.Replace(minimal, `merchant_key = "s3cr3t-merchant-key"`, tt.line, 1)
		c, err := Parse([]byte(body), dir, Options{LookupEnv: env})
		if err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		if got := c.Wallets[0].Config.(*testWalletConfig).key; got != tt.want {
			t.Errorf("%s: secret %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestMigrationFromVersion0 loads a fabricated version-0 file, whose
// journal folder key was journal_dir.
func TestMigrationFromVersion0(t *testing.T) {
	dir := t.TempDir()
	v0 := "config_version = 0\njournal_dir = \"journal\"\n" + strings.Replace(minimal, `data_dir = "data"`, "", 1)
	c, err := Parse([]byte(v0), dir, Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != filepath.Join(dir, "journal") || c.ConfigVersion != 1 {
		t.Errorf("data_dir %s version %d", c.DataDir, c.ConfigVersion)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "journal_dir to data_dir") {
		t.Errorf("notes %v", c.Notes)
	}
	_, err = Parse([]byte("config_version = 0\njournal_dir = \"a\"\n"+minimal), dir, Options{LookupEnv: noEnv})
	if err == nil || !strings.Contains(err.Error(), "keep only data_dir") {
		t.Errorf("both keys: %v", err)
	}
}

func TestMigrateSteps(t *testing.T) {
	ms := []Migration{
		{From: 0, Note: "a", Apply: renameKey("x", "y")},
	}
	tree := map[string]any{"x": "1"}
	notes, err := migrate(tree, 0, ms)
	if err != nil || len(notes) != 1 || tree["y"] != "1" || tree["x"] != nil || tree["config_version"] != int64(CurrentVersion) {
		t.Errorf("migrate: %v %v %v", notes, err, tree)
	}
	if _, err := migrate(map[string]any{}, 0, nil); err == nil {
		t.Error("a version without a migration step was accepted")
	}
}

func TestSandbox(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_DATA_HOME", xdg)
	t.Setenv("HOME", t.TempDir())
	c, err := Sandbox("")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sandbox || len(c.Wallets) != 0 {
		t.Errorf("sandbox %v wallets %v", c.Sandbox, c.Wallets)
	}
	if want := filepath.Join(xdg, "scanpay", "sandbox"); runtime.GOOS == "linux" && c.DataDir != want {
		t.Errorf("sandbox data_dir %s, want %s", c.DataDir, want)
	}
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `mode = "SANDBOX"`) {
		t.Errorf("effective sandbox config does not say SANDBOX:\n%s", out.String())
	}
}

func TestWriteEffectiveRedactsSecrets(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse([]byte(minimal+"[[hooks]]\nkind = \"file\"\ndir = \"receipts\"\n"), dir, Options{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := c.WriteEffective(&out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if strings.Contains(s, "s3cr3t-merchant-key") {
		t.Errorf("secret printed:\n%s", s)
	}
	for _, want := range []string{`merchant_key = "[redacted]"`, `[providers.testwallet]`, `base_url = "http://127.0.0.1:1"`, fmt.Sprintf("data_dir = %q", filepath.Join(dir, "data")), `name = "jkopay"`, `kind = "file"`} {
		if !strings.Contains(s, want) {
			t.Errorf("effective config lacks %s:\n%s", want, s)
		}
	}
}

// The tests run as root, where chmod 000 denies nothing, so the error
// os.ReadFile gives a service user is built here.
func TestUnreadableConfigSaysHowToFixIt(t *testing.T) {
	path := "/etc/scanpay/scanpay.toml"
	err := readError(path, &fs.PathError{Op: "open", Path: path, Err: syscall.EACCES})
	want := "make it and its folder readable by the service user: chgrp scanpay " + filepath.Dir(path) + " " + path + "; chmod 640 " + path + "; chmod 750 " + filepath.Dir(path)
	if runtime.GOOS == "windows" {
		want = "read access"
	}
	if !strings.Contains(err.Error(), want) || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("permission denied: %v; want it to say %q", err, want)
	}
	other := readError(path, &fs.PathError{Op: "read", Path: path, Err: syscall.EIO})
	if strings.Contains(other.Error(), "chmod") {
		t.Errorf("an I/O error is not a permission problem: %v", other)
	}
}

// TestSecretValuesAreTheResolvedKeys: the log masker gets the secret itself
// whichever source gave it, and never a file name or a variable name.
func TestSecretValuesAreTheResolvedKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte("file-secret-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "SCANPAY_TEST_KEY" {
			return " env-secret-2 ", true
		}
		return "", false
	}
	for _, tt := range []struct{ line, want string }{
		{`merchant_key = "inline-secret-3"`, "inline-secret-3"},
		{`merchant_key_file = "k"`, "file-secret-1"},
		{`merchant_key_env = "SCANPAY_TEST_KEY"`, "env-secret-2"},
	} {
		body := strings.Replace(minimal, `merchant_key = "s3cr3t-merchant-key"`, tt.line, 1)
		c, err := Parse([]byte(body), dir, Options{LookupEnv: env})
		if err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		got := c.SecretValues()
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: secrets %q, want [%q]", tt.line, got, tt.want)
		}
	}
}

// TestAcceptedLanes: with scanners configured, only their lanes and the
// listed ones may pay (a mistyped terminal_id is refused at once instead
// of waiting for a scan no scanner can send); with neither, any lane.
func TestAcceptedLanes(t *testing.T) {
	sc := func(ids ...string) []scanner.Config {
		var out []scanner.Config
		for _, id := range ids {
			out = append(out, scanner.Config{TerminalID: id})
		}
		return out
	}
	for _, tt := range []struct {
		name     string
		scanners []scanner.Config
		lanes    []string
		want     []string
	}{
		{"nothing configured: any lane", nil, nil, nil},
		{"POS-owned lanes only", nil, []string{"POS1", "POS2"}, []string{"POS1", "POS2"}},
		{"scanners only: their lanes", sc("AB123456", "AB123457"), nil, []string{"AB123456", "AB123457"}},
		{"scanners and a POS-owned lane", sc("AB123456"), []string{"POS1", "AB123456"}, []string{"AB123456", "POS1"}},
		{"two scanners on one lane", sc("AB123456", "AB123456"), nil, []string{"AB123456"}},
	} {
		c := &Config{Scanners: tt.scanners, Lanes: tt.lanes}
		got := c.AcceptedLanes()
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// twoKeyWallet stops at its first secret problem, like the real wallets.
type twoKeyWallet struct {
	BaseURL     string `toml:"base_url"`
	AuthKey     string `toml:"auth_key"`
	AuthKeyFile string `toml:"auth_key_file"`
	AuthKeyEnv  string `toml:"auth_key_env"`
	AccKey      string `toml:"acc_key"`
	AccKeyFile  string `toml:"acc_key_file"`
	AccKeyEnv   string `toml:"acc_key_env"`
	auth, acc   string
}

func (c *twoKeyWallet) Provision(env providers.Env) (err error) {
	if c.auth, err = providers.ResolveSecret(env, "providers.twokeys.auth_key", c.AuthKey, c.AuthKeyFile, c.AuthKeyEnv); err != nil {
		return err
	}
	c.acc, err = providers.ResolveSecret(env, "providers.twokeys.acc_key", c.AccKey, c.AccKeyFile, c.AccKeyEnv)
	return err
}
func (c *twoKeyWallet) Validate() error          { return nil }
func (c *twoKeyWallet) Limits() providers.Limits { return providers.Limits{} }
func (c *twoKeyWallet) Open(providers.Env) (providers.Wallet, error) {
	return nil, errors.New("the test wallet cannot be opened")
}

func init() {
	providers.Register(providers.Driver{Name: "twokeys", NewConfig: func() providers.Config { return &twoKeyWallet{} }})
}

// TestEverySecretProblemIsReported: a wallet stops at its first missing
// key, but check-config names each one, so the admin fixes them in one go.
func TestEverySecretProblemIsReported(t *testing.T) {
	body := `
data_dir = "data"
[providers.twokeys]
base_url = "http://127.0.0.1:1"
auth_key_env = "SCANPAY_NOT_SET"
acc_key_file = "missing.key"
`
	_, err := Parse([]byte(body), t.TempDir(), Options{LookupEnv: noEnv})
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{"providers.twokeys.auth_key_env", "SCANPAY_NOT_SET", "providers.twokeys.acc_key_file", "missing.key"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, placeholder) {
		t.Errorf("the placeholder leaked:\n%s", msg)
	}
	// One problem only: reported once.
	body = strings.Replace(body, `acc_key_file = "missing.key"`, `acc_key = "fine"`, 1)
	_, err = Parse([]byte(body), t.TempDir(), Options{LookupEnv: noEnv})
	if err == nil || strings.Count(err.Error(), "[providers.twokeys]") != 1 {
		t.Errorf("one missing key: %v", err)
	}
}

// TestDurationsNeedAUnitAndABound: TOML reads a bare integer as
// nanoseconds, so `code_ttl = 60` would expire every payment before it is
// sent. Bare numbers and values outside a key's bounds are refused, each
// naming the key, the bound and the fix.
func TestDurationsNeedAUnitAndABound(t *testing.T) {
	tests := []struct {
		name, toml string
		want       []string // substrings of the error; nil: accepted
	}{
		{"wallet code_ttl bare", strings.Replace(minimal, "base_url", "code_ttl = 60\nbase_url", 1), []string{"providers.testwallet.code_ttl = 60 is a bare number", `code_ttl = "60s"`, `allowed from "10s" to "10m"`}},
		{"wallet code_ttl 1ms", strings.Replace(minimal, "base_url", "code_ttl = \"1ms\"\nbase_url", 1), []string{`providers.testwallet.code_ttl = "1ms" is below its lower bound of 10s`, "remove it for the default"}},
		{"wallet code_ttl 2h", strings.Replace(minimal, "base_url", "code_ttl = \"2h\"\nbase_url", 1), []string{`code_ttl = "2h" is above its upper bound of 10m`}},
		{"scan_timeout bare", "scan_timeout = 300\n" + minimal, []string{"scan_timeout = 300 is a bare number", "default (5m)"}},
		{"scan_hold float", "scan_hold = 1.5\n" + minimal, []string{"scan_hold = 1.5 is a bare number"}},
		{"retention too long", "retention = \"876000h\"\n" + minimal, []string{"retention", "upper bound of 87600h"}},
		{"api max_wait", minimal + "[api]\nmax_wait = \"1ms\"\n", []string{`api.max_wait = "1ms" is below its lower bound of 1s`}},
		{"hook timeout", minimal + "[[hooks]]\nkind = \"file\"\ndir = \"r\"\ntimeout = 10\n", []string{"hooks[0].timeout = 10 is a bare number"}},
		{"scanner gap", minimal + "[[scanners]]\nkind = \"serial\"\nport = \"/dev/ttyS0\"\nterminal_id = \"AB1\"\ngap = \"10s\"\n", []string{`scanners[0].gap = "10s" is above its upper bound of 2s`}},
		{"in range", "scan_hold = \"1m\"\n" + strings.Replace(minimal, "base_url", "code_ttl = \"90s\"\nbase_url", 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.toml), t.TempDir(), Options{LookupEnv: noEnv})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestOneBadWalletValueReportsOnlyIt: a wrong type in a wallet's table
// used to report every other key of that table as unknown too.
func TestOneBadWalletValueReportsOnlyIt(t *testing.T) {
	// The decoder walks the table in map order: the other keys go
	// unmarked only when it stops before them, so try a few times.
	in := strings.Replace(minimal, "base_url", "code_ttl = true\nmerchant_key_env = \"\"\nmerchant_key_file = \"\"\nbase_url", 1)
	for range 20 {
		_, err := Parse([]byte(in), t.TempDir(), Options{LookupEnv: noEnv})
		if err == nil {
			t.Fatal("accepted")
		}
		if !strings.Contains(err.Error(), "code_ttl") {
			t.Fatalf("the real problem is not named: %v", err)
		}
		if strings.Contains(err.Error(), "unknown key") {
			t.Fatalf("valid keys reported as unknown:\n%v", err)
		}
	}
}

// TestPlaceholdersAreRefused: values copied from the example without
// being filled in are refused, each naming the key to fill.
func TestPlaceholdersAreRefused(t *testing.T) {
	in := "lanes = [\"YOUR-LANE\"]\n" + strings.Replace(minimal, "http://127.0.0.1:1", "https://gateway.example.com", 1)
	_, err := Parse([]byte(in), t.TempDir(), Options{LookupEnv: noEnv})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{`providers.testwallet.base_url = "https://gateway.example.com" still holds the example's placeholder`, "fill in providers.testwallet.base_url", `lanes[0] = "YOUR-LANE"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestUnreadableSecretAdviceMatchesTheREADME: the README lays secret files
// out as root:scanpay mode 640; the message for one scanpay cannot read
// says the same, never "chmod 600" (with that layout, unreadable to the
// service).
func TestUnreadableSecretAdviceMatchesTheREADME(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Unix owner and mode; Windows names the service account")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "jk.key"), 0o750); err != nil { // a folder: open fails as it does for an unreadable file
		t.Fatal(err)
	}
	in := strings.Replace(minimal, `merchant_key = "s3cr3t-merchant-key"`, `merchant_key_file = "jk.key"`, 1)
	_, err := Parse([]byte(in), dir, Options{LookupEnv: noEnv})
	if err == nil {
		t.Fatal("accepted")
	}
	readme, rerr := os.ReadFile(filepath.Join("..", "..", "..", "..", "README.md"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, want := range []string{"root:scanpay", "640"} {
		if !strings.Contains(err.Error(), want) || !strings.Contains(string(readme), want) {
			t.Errorf("%q is not in both the message and the README:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("the message advises chmod 600:\n%v", err)
	}
}
