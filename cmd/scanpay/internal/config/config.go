package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/scanner"
)

// Config is the whole configuration file, decoded and resolved.
type Config struct {
	ConfigVersion int    `toml:"config_version"`
	DataDir       string `toml:"data_dir"` // the journal, the API token, panic logs and (as a service) the log live here

	// Engine knobs; zero means the engine's default.
	ScanHold    time.Duration `toml:"scan_hold"`    // scan-then-amount: how long a code scanned first is held (30s)
	ScanTimeout time.Duration `toml:"scan_timeout"` // a checkout nobody scans for is cancelled after this (5m)
	Retention   time.Duration `toml:"retention"`    // final payments older than this are pruned (90 days)
	Workers     int           `toml:"workers"`      // payments sent at the same time (8)
	MaxAmount   int64         `toml:"max_amount"`   // largest payment accepted, TWD (1,000,000)
	// ScannerGrace: how long a scanner not yet connected since start may
	// take to open before it is a Health problem (3s).
	ScannerGrace time.Duration `toml:"scanner_grace"`
	// Lanes are terminal_ids the POS may use besides every scanner's
	// (AcceptedLanes): lanes whose POS reads the code itself.
	Lanes []string `toml:"lanes"`

	API       posapi.Config             `toml:"api"`
	Scanners  []scanner.Config          `toml:"scanners"`
	Providers map[string]toml.Primitive `toml:"providers"`
	Hooks     []hooks.Config            `toml:"hooks"`
	Classify  []providers.Rule          `toml:"classify"`
	Log       logging.Config            `toml:"log"`
	Metrics   Metrics                   `toml:"metrics"`
	Report    Report                    `toml:"report"`

	// Path is the file's absolute path ("" in SANDBOX); Dir its folder,
	// from which every relative path was resolved.
	Path string `toml:"-"`
	Dir  string `toml:"-"`
	// Sandbox: no file; the wallets are in-process simulators.
	Sandbox bool `toml:"-"`
	// Wallets are the decoded, provisioned [providers.<name>] tables,
	// sorted by name.
	Wallets []Wallet `toml:"-"`
	// Notes tell the operator about migrations applied while loading.
	Notes []string `toml:"-"`

	lookupEnv func(string) (string, bool) // what *_env secrets were read with
}

// Metrics is the [metrics] table.
type Metrics struct {
	// Listen, when set, serves GET /metrics without the token on this
	// loopback address (a second port, for a local Prometheus agent);
	// GET /metrics on the API's port, with the token, is always there.
	Listen string `toml:"listen"`
}

// Wallet is one configured wallet.
type Wallet struct {
	Name   string
	Config providers.Config
}

// Options for Load.
type Options struct {
	// LookupEnv reads *_env secret sources; nil = os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// ErrNotFound is wrapped when the file does not exist.
var ErrNotFound = errors.New("configuration file not found")

// Error is a configuration problem: the program should exit with the
// usage/config exit code.
type Error struct{ Err error }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func cfgErr(err error) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err}
}

// Load reads, migrates, decodes, resolves, provisions and validates the
// file at path.
func Load(path string, o Options) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, cfgErr(fmt.Errorf("config path %q: %w", path, err))
	}
	f, err := fileperm.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, cfgErr(fmt.Errorf("%w: %s does not exist: create it from packaging/scanpay.example.toml, or leave out --config to try scanpay in SANDBOX mode", ErrNotFound, abs))
	}
	if err != nil {
		return nil, cfgErr(readError(abs, err))
	}
	defer f.Close()
	if err := checkWriters(f, abs); err != nil {
		return nil, cfgErr(err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, cfgErr(readError(abs, err))
	}
	c, err := Parse(data, filepath.Dir(abs), o)
	if err != nil {
		return nil, cfgErr(fmt.Errorf("%s: %w", abs, err))
	}
	if keys := c.InlineSecrets(); len(keys) > 0 {
		who, err := fileperm.EveryoneMayRead(f)
		if err != nil {
			return nil, cfgErr(fmt.Errorf("%s: %w", abs, err))
		}
		if who != "" {
			return nil, cfgErr(fmt.Errorf("%s holds %s and is open to %s: run %s, or move the secrets into files (%s_file) readable by scanpay's account only",
				abs, strings.Join(keys, ", "), who, fileperm.FixRead(abs), keys[0]))
		}
	}
	c.Path = abs
	return c, nil
}

// checkWriters refuses a configuration that anyone but the administrator
// or scanpay's account may change: it can name an exec hook, so whoever
// writes it runs code as the service. On Unix the owner must be root or
// scanpay's user; on Windows the access list must not let Everyone, Users
// or Authenticated Users write (an administrator's own account often owns
// files it made there, so the owner is not asked).
func checkWriters(f *os.File, path string) error {
	who, err := fileperm.OthersMayWrite(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if who != "" {
		return fmt.Errorf("%s may be changed by %s, and it can name a program scanpay runs (an exec hook): run %s", path, who, fileperm.FixWrite(path))
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	owner, trusted, err := fileperm.Owner(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !trusted {
		return fmt.Errorf("%s is owned by %s, who may change it, and it can name a program scanpay runs (an exec hook): run %s", path, owner, fileperm.FixWrite(path))
	}
	return nil
}

// readError explains a configuration file that exists but cannot be read.
// The usual cause is a file only root may read while the service runs as
// its own user.
func readError(path string, err error) error {
	if !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("cannot read the configuration %s: %w", path, err)
	}
	if runtime.GOOS == "windows" {
		return fmt.Errorf("cannot read the configuration %s: %w: give the account the scanpay service runs as (LocalSystem by default) read access to it", path, err)
	}
	return fmt.Errorf("cannot read the configuration %s: %w: make it and its folder readable by the service user: chgrp scanpay %s %s; chmod 640 %s; chmod 750 %s", path, err, filepath.Dir(path), path, path, filepath.Dir(path))
}

// Parse decodes a configuration whose relative paths are taken from dir.
func Parse(data []byte, dir string, o Options) (*Config, error) {
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return nil, cfgErr(fmt.Errorf("not valid TOML: %w", err))
	}
	version := int64(CurrentVersion)
	if v, ok := tree["config_version"]; ok {
		n, isInt := v.(int64)
		if !isInt {
			return nil, cfgErr(fmt.Errorf("config_version = %v is not a whole number: set it to %d", v, CurrentVersion))
		}
		version = n
	}
	var notes []string
	switch {
	case version > CurrentVersion:
		return nil, cfgErr(fmt.Errorf("config_version = %d is newer than this scanpay understands (%d): upgrade scanpay, or rewrite the file for version %d", version, CurrentVersion, CurrentVersion))
	case version < 0:
		return nil, cfgErr(fmt.Errorf("config_version = %d is negative: set it to %d", version, CurrentVersion))
	case version < CurrentVersion:
		var err error
		if notes, err = migrate(tree, int(version), migrations); err != nil {
			return nil, cfgErr(err)
		}
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(tree); err != nil {
			return nil, cfgErr(fmt.Errorf("re-encoding the migrated configuration: %w", err))
		}
		data = buf.Bytes()
	}

	// Checked on the raw tree: once decoded, 60 and "60ns" look alike.
	rawErrs := append(checkDurations(tree), checkPlaceholders(tree)...)

	c := &Config{}
	md, err := toml.Decode(string(data), c)
	if err != nil {
		return nil, cfgErr(errors.Join(append(rawErrs, fmt.Errorf("%w (see packaging/scanpay.example.toml for each key's type)", err))...))
	}
	c.ConfigVersion = CurrentVersion
	c.Notes = notes
	c.Dir = dir
	c.lookupEnv = o.LookupEnv

	errs := rawErrs
	env := providers.Env{Dir: dir, LookupEnv: o.LookupEnv}
	names := make([]string, 0, len(c.Providers))
	for name := range c.Providers {
		names = append(names, name)
	}
	sort.Strings(names)
	redecode := map[string]func() providers.Config{}
	failed := map[string]bool{} // wallets whose table did not decode: their keys are not "unknown"
	for _, name := range names {
		drv, ok := providers.Lookup(name)
		if !ok {
			errs = append(errs, fmt.Errorf("[providers.%s]: there is no wallet called %q: use one of %s", name, name, strings.Join(driverNames(), ", ")))
			failed[name] = true
			continue
		}
		wc := drv.NewConfig()
		if err := md.PrimitiveDecode(c.Providers[name], wc); err != nil {
			errs = append(errs, fmt.Errorf("[providers.%s]: %w", name, err))
			failed[name] = true
			continue
		}
		c.Wallets = append(c.Wallets, Wallet{Name: name, Config: wc})
		prim := c.Providers[name]
		redecode[name] = func() providers.Config {
			fresh := drv.NewConfig()
			_ = md.PrimitiveDecode(prim, fresh) // decoded once above without error
			return fresh
		}
	}
	if und := md.Undecoded(); len(und) > 0 {
		for _, k := range und {
			if len(k) > 1 && k[0] == "providers" && failed[k[1]] {
				continue // its table's real problem is reported above
			}
			errs = append(errs, fmt.Errorf("unknown key %s: check its spelling, or remove it (packaging/scanpay.example.toml lists every key)", k))
		}
	}
	if len(errs) > 0 {
		return nil, cfgErr(errors.Join(errs...))
	}

	c.resolvePaths()
	unprovisioned := map[string]bool{}
	for _, w := range c.Wallets {
		if err := w.Config.Provision(env); err != nil {
			for _, err := range secretErrors(err, redecode[w.Name], env) {
				errs = append(errs, fmt.Errorf("[providers.%s]: %w", w.Name, err))
			}
			unprovisioned[w.Name] = true
		}
	}
	// Report every problem at once: a store's admin fixes the file in one go.
	if err := c.validate(unprovisioned); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, cfgErr(errors.Join(errs...))
	}
	return c, nil
}

func driverNames() []string {
	var names []string
	for _, d := range providers.Drivers() {
		names = append(names, d.Name)
	}
	return names
}

// resolvePaths makes every path absolute from Dir and fills path defaults
// that hang off data_dir.
func (c *Config) resolvePaths() {
	c.DataDir = resolve(c.Dir, c.DataDir)
	if c.DataDir == "" {
		return // Validate says so
	}
	if c.API.TokenFile == "" {
		c.API.TokenFile = filepath.Join(c.DataDir, "api-token")
	}
	c.API.TokenFile = resolve(c.Dir, c.API.TokenFile)
	c.API.Socket = resolve(c.Dir, c.API.Socket)
	c.Log.File = resolve(c.Dir, c.Log.File)
}

// AcceptedLanes are the terminal_ids the POS may pay on: every
// [[scanners]] terminal_id plus lanes. Empty (no scanners, no lanes)
// accepts any. With scanners configured, a terminal_id that is neither is
// refused at once (422 unknown_terminal): a mistyped lane would otherwise
// wait scan_timeout for a scan no scanner can send. A lane whose POS reads
// the code itself (barcode in the create, POST /v1/scans) must then be
// listed in lanes.
func (c *Config) AcceptedLanes() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range c.Scanners {
		if id := s.TerminalID; id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range c.Lanes {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// JournalPath is the bbolt file.
func (c *Config) JournalPath() string { return filepath.Join(c.DataDir, "journal.db") }

// ServiceLogFile is the log file used when running as a service and no
// log.file is set.
func (c *Config) ServiceLogFile() string {
	if c.Log.File != "" {
		return c.Log.File
	}
	return filepath.Join(c.DataDir, "logs", "scanpay.log")
}

// Rules is the classification table: the built-in defaults, each wallet's
// own rules, then the file's [[classify]] overrides.
func (c *Config) Rules() []providers.Rule {
	return providers.MergeRules(providers.MergeRules(providers.DefaultRules(), providers.DriverRules()), c.Classify)
}

// Validate checks everything; each error names the key and the fix.
func (c *Config) Validate() error { return c.validate(nil) }

// validate skips the wallets in skip (their secrets could not be read, which
// was already reported).
func (c *Config) validate(skip map[string]bool) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.DataDir == "" {
		add(errors.New(`data_dir is empty: set it to the folder for the journal, e.g. "/var/lib/scanpay" (Linux) or 'C:\ProgramData\scanpay\data' (Windows)`))
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"scan_hold", c.ScanHold}, {"scan_timeout", c.ScanTimeout}, {"retention", c.Retention}, {"scanner_grace", c.ScannerGrace}} {
		if d.v < 0 {
			add(fmt.Errorf("%s = %s is negative: set a positive duration such as \"30s\", or remove it for the default", d.key, d.v))
		}
	}
	if c.Retention > 0 && c.Retention < 24*time.Hour {
		add(fmt.Errorf("retention = %s is under a day: payments must stay in the journal long enough to answer the POS and reconcile; set at least \"24h\" (default 90 days)", c.Retention))
	}
	if c.MaxAmount < 0 {
		add(fmt.Errorf("max_amount = %d is negative: set the largest payment to accept in whole TWD, or remove it for the default 1000000", c.MaxAmount))
	}
	if c.Workers < 0 || c.Workers > 256 {
		add(fmt.Errorf("workers = %d is out of range: set 1 to 256, or remove it for the default 8", c.Workers))
	}
	if _, err := c.Report.Resolve(); err != nil {
		add(fmt.Errorf("report.%w", err))
	}
	add(prefix("", c.API.Validate()))
	add(c.Metrics.validate(c.API.Listen))
	add(scanner.ValidateAll(c.Scanners))
	// Lanes are checked as the engine checks a POS's terminal_id.
	for i, s := range c.Scanners {
		if s.TerminalID != "" {
			add(prefix(fmt.Sprintf("scanners[%d].terminal_id", i), laneError(s.TerminalID)))
		}
	}
	for i, id := range c.Lanes {
		add(prefix(fmt.Sprintf("lanes[%d]", i), laneError(id)))
	}
	add(hooks.ValidateAll(c.Hooks))
	add(c.hooksSeeNoWalletKey())
	if _, err := providers.NewClassifier(c.Rules()); err != nil {
		add(fmt.Errorf("[[classify]]: %w", err))
	}
	if !c.Sandbox && len(c.Wallets) == 0 {
		add(errors.New("no [providers.<wallet>] table: configure at least one of " + strings.Join(driverNames(), ", ") + " (see packaging/scanpay.example.toml)"))
	}
	for _, w := range c.Wallets {
		if !skip[w.Name] {
			add(prefix("", w.Config.Validate()))
		}
	}
	add(c.Log.Validate())
	if len(errs) > 0 {
		return cfgErr(errors.Join(errs...))
	}
	return nil
}

// laneError is edge.CheckTerminalID's message, without its API code.
func laneError(id string) error {
	var e *edge.Error
	if err := edge.CheckTerminalID(id); errors.As(err, &e) {
		return errors.New(e.Message)
	}
	return nil
}

// prefix adds where an error is, unless the error already says.
func prefix(where string, err error) error {
	if err == nil || where == "" || strings.Contains(err.Error(), where) {
		return err
	}
	return fmt.Errorf("%s: %w", where, err)
}

// Sandbox is the configuration used when there is no file: the journal in
// the user's data folder, the POS API on its usual address, no scanners
// (POST /v1/scans or `scanpay demo` stand in), the wallets simulated.
func Sandbox(dataDir string) (*Config, error) {
	if dataDir == "" {
		d, err := SandboxDataDir()
		if err != nil {
			return nil, fmt.Errorf("cannot find your data folder for the SANDBOX journal (%w): pass --data-dir", err)
		}
		dataDir = d
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, err
	}
	c := &Config{ConfigVersion: CurrentVersion, DataDir: abs, Dir: abs, Sandbox: true}
	c.resolvePaths()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// sameListen: a and b bind the same address ("localhost" binds
// 127.0.0.1). Port 0 is any free port, for tests: never the same.
func sameListen(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	norm := func(h string) string {
		if strings.EqualFold(h, "localhost") {
			return "127.0.0.1"
		}
		return h
	}
	return norm(ha) == norm(hb)
}

func (m Metrics) validate(apiListen string) error {
	if m.Listen == "" {
		return nil
	}
	if err := posapi.CheckLoopbackListen("metrics.listen", m.Listen, posapi.DefaultMetricsListen); err != nil {
		return err
	}
	if apiListen == "" {
		apiListen = posapi.DefaultListen
	}
	if sameListen(m.Listen, apiListen) {
		return fmt.Errorf("metrics.listen = %q is api.listen's address: give metrics its own port, e.g. %q, or remove metrics.listen (GET /metrics on the API's port, with the token, is always there)", m.Listen, posapi.DefaultMetricsListen)
	}
	return nil
}
