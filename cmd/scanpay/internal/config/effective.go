package config

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/scanner"
)

// secretName matches keys that hold a secret itself; their _file and _env
// siblings only say where it comes from and are shown.
var secretName = regexp.MustCompile(`(?i)(^|_)(key|secret|password|token)$`)

type effective struct {
	ConfigVersion int                         `toml:"config_version"`
	Mode          string                      `toml:"mode"`
	DataDir       string                      `toml:"data_dir"`
	ScanHold      time.Duration               `toml:"scan_hold"`
	ScanTimeout   time.Duration               `toml:"scan_timeout"`
	Retention     time.Duration               `toml:"retention"`
	Workers       int                         `toml:"workers"`
	MaxAmount     int64                       `toml:"max_amount"`
	ScannerGrace  time.Duration               `toml:"scanner_grace"`
	Lanes         []string                    `toml:"lanes"`
	API           posapi.Config               `toml:"api"`
	Scanners      []scanner.Config            `toml:"scanners"`
	Providers     map[string]providers.Config `toml:"providers"`
	Hooks         []hooks.Config              `toml:"hooks"`
	Classify      []providers.Rule            `toml:"classify"`
	Log           logging.Config              `toml:"log"`
	Metrics       Metrics                     `toml:"metrics"`
	Report        Report                      `toml:"report"`
}

// WriteEffective prints the configuration as scanpay will use it (paths
// resolved, defaults filled where this package fills them, the effective
// classification table) as TOML, with every secret redacted.
func (c *Config) WriteEffective(w io.Writer) error {
	e := effective{
		ConfigVersion: c.ConfigVersion, Mode: "production", DataDir: c.DataDir,
		ScanHold: c.ScanHold, ScanTimeout: c.ScanTimeout, Retention: c.Retention, Workers: c.Workers, MaxAmount: c.MaxAmount, Lanes: c.AcceptedLanes(),
		API: c.API, Scanners: c.Scanners, Hooks: c.Hooks, Classify: c.Rules(), Log: c.Log, Metrics: c.Metrics, Report: c.Report,
		Providers: map[string]providers.Config{},
	}
	if c.Sandbox {
		e.Mode = "SANDBOX"
	}
	// Show the defaults the engine and the POS API apply to keys left out
	// (edge.Default* and posapi.Default*), so the printout is
	// what runs.
	e.ScanHold = orDuration(e.ScanHold, edge.DefaultScanHold)
	e.ScanTimeout = orDuration(e.ScanTimeout, edge.DefaultScanTimeout)
	e.Retention = orDuration(e.Retention, edge.DefaultRetention)
	e.ScannerGrace = orDuration(c.ScannerGrace, edge.DefaultScannerGrace)
	if e.Workers == 0 {
		e.Workers = edge.DefaultWorkers
	}
	if e.MaxAmount == 0 {
		e.MaxAmount = edge.DefaultMaxAmount
	}
	if e.API.Listen == "" {
		e.API.Listen = posapi.DefaultListen
	}
	if e.API.MaxBody == 0 {
		e.API.MaxBody = posapi.DefaultMaxBody
	}
	e.API.MaxWait = orDuration(e.API.MaxWait, posapi.DefaultMaxWait)
	if e.Report.DayStarts == "" {
		e.Report.DayStarts = "00:00"
	}
	if e.Report.TimeZone == "" {
		e.Report.TimeZone = "Local"
	}
	// Hooks resolve their folders from the config's folder (hooks.New).
	e.Hooks = append([]hooks.Config(nil), c.Hooks...)
	for i := range e.Hooks {
		e.Hooks[i].Timeout = orDuration(e.Hooks[i].Timeout, hooks.DefaultTimeout)
		if len(e.Hooks[i].On) == 0 {
			for _, s := range hooks.DefaultOn {
				e.Hooks[i].On = append(e.Hooks[i].On, string(s))
			}
		}
		if e.Hooks[i].Name == "" {
			e.Hooks[i].Name = e.Hooks[i].HookName()
		}
		if e.Hooks[i].Kind == hooks.KindFile {
			e.Hooks[i].Dir = resolve(c.Dir, e.Hooks[i].Dir)
		}
	}
	e.Scanners = make([]scanner.Config, len(c.Scanners))
	for i, s := range c.Scanners {
		e.Scanners[i] = s.WithDefaults()
		if s.Kind == scanner.KindSerial && s.Parity == "" {
			e.Scanners[i].Parity = "none"
		}
		if s.Kind == scanner.KindSerial && s.StopBits == "" {
			e.Scanners[i].StopBits = "1"
		}
	}
	// As the service writes its log: to a rotated file, JSON unless
	// format = "text" (a foreground run prints text to the terminal).
	e.Log = c.Log.Effective()
	if !c.Sandbox {
		e.Log.File = c.ServiceLogFile()
	} else if c.Log.Format == "" {
		e.Log.Format = "text" // SANDBOX runs in a terminal
	}
	for _, wl := range c.Wallets {
		e.Providers[wl.Name] = wl.Config
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(e); err != nil {
		return fmt.Errorf("printing the configuration: %w", err)
	}
	var tree map[string]any
	if _, err := toml.Decode(buf.String(), &tree); err != nil {
		return fmt.Errorf("printing the configuration: %w", err)
	}
	redact(tree)
	if c.Path != "" {
		fmt.Fprintf(w, "# effective configuration of %s (secrets redacted)\n", c.Path)
		if runtime.GOOS == "linux" && c.Log.File == "" {
			fmt.Fprintf(w, "# under systemd the log goes to the journal (journalctl -u scanpay), not to log.file\n")
		}
	} else {
		fmt.Fprintf(w, "# effective SANDBOX configuration: no file; wallets are in-process simulators\n")
	}
	return toml.NewEncoder(w).Encode(tree)
}

func redact(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && secretName.MatchString(k) && s != "" {
				x[k] = "[redacted]"
				continue
			}
			redact(val)
		}
	case []map[string]any:
		for _, m := range x {
			redact(m)
		}
	case []any:
		for _, m := range x {
			redact(m)
		}
	}
}

func orDuration(v, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v
}
