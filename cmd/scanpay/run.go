package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/coreos/go-systemd/v22/journal"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/monitor"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/sdnotify"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/providers"
)

// envService tells a monitored child that it runs under a service manager
// (so it logs JSON to the rotating file rather than to a console).
const envService = "SCANPAY_SERVICE"

func (c *cli) cmdRun(ctx context.Context, args []string) int {
	fs := c.newFlagSet("run", `Run scanpay: the POS API, the scanners, the wallets and the journal, until
stopped (Ctrl-C, SIGTERM, or the service manager). With no --config and no
file at the default path (`+config.DefaultPath()+`), scanpay runs in SANDBOX
mode: the wallets are simulated in-process, nothing is charged, the journal
lives in your user data folder, and every log line and API answer says SANDBOX.

scanpay runs itself as a watched child process: if the daemon panics, the
panic and its stacks are written to panic-<time>.log in data_dir and the
daemon is started again (1s backoff, doubling to 1m). Under systemd
(NOTIFY_SOCKET or INVOCATION_ID set) there is no such monitor: systemd
restarts it, is told when the POS API answers (Type=notify) and watches
it (WatchdogSec); the log then goes to the journal.`,
		"scanpay run --config /etc/scanpay/scanpay.toml")
	path := fs.String("config", "", "configuration file (default "+config.DefaultPath()+"; SANDBOX mode if absent)")
	dataDir := fs.String("data-dir", "", "SANDBOX only: the journal's folder (default: your user data folder)")
	listen := fs.String("listen", "", "SANDBOX only: the POS API address (default "+posapi.DefaultListen+")")
	socket := fs.String("socket", "", "SANDBOX only, Linux: also answer on this Unix socket (the [api] socket key)")
	sandbox := fs.Bool("sandbox", false, "run in SANDBOX mode even if a configuration file exists")
	noMonitor := fs.Bool("no-monitor", false, "run the daemon in this process, without the restart-on-panic monitor")
	if code, done := c.parse(fs, args); done {
		return code
	}
	var cfg *config.Config
	var err error
	switch {
	case *sandbox && *path != "":
		return c.fail(&config.Error{Err: fmt.Errorf("--sandbox and --config exclude each other: leave one out")})
	case *sandbox:
		cfg, err = config.Sandbox(*dataDir)
	default:
		cfg, err = c.loadConfig(*path, true, *dataDir)
	}
	if err != nil {
		return c.fail(err)
	}
	if (*dataDir != "" || *listen != "" || *socket != "") && !cfg.Sandbox {
		return c.fail(&config.Error{Err: fmt.Errorf("--data-dir, --listen and --socket are for SANDBOX mode only: set data_dir, [api] listen and [api] socket in %s instead", cfg.Path)})
	}
	if *listen != "" || *socket != "" {
		if *listen != "" {
			cfg.API.Listen = *listen
		}
		if *socket != "" {
			if cfg.API.Socket, err = filepath.Abs(*socket); err != nil {
				return c.fail(&config.Error{Err: fmt.Errorf("--socket %q: %w", *socket, err)})
			}
		}
		if err := cfg.Validate(); err != nil {
			return c.fail(err)
		}
	}
	_, child := os.LookupEnv(monitor.EnvChild)
	if runtime.GOOS == "linux" && sdnotify.UnderSystemd() && !child {
		// systemd restarts the daemon itself (Restart=always), and
		// Type=notify wants the daemon as the main process: no monitor.
		*noMonitor = true
	}
	asService := os.Getenv(envService) != "" || (!child && !svc.Interactive())
	if child || *noMonitor {
		if asService && !child {
			return c.runService(cfg, func(ctx context.Context) int { return c.serve(ctx, cfg, true) })
		}
		return c.serve(ctx, cfg, asService)
	}

	watch := func(ctx context.Context) int {
		log, closer, err := c.monitorLogger(cfg, asService)
		if err != nil {
			return c.fail(&config.Error{Err: err})
		}
		defer closer.Close()
		exe, err := os.Executable()
		if err != nil {
			return c.fail(fmt.Errorf("cannot find scanpay's own program file to start the daemon: %w", err))
		}
		childArgs := append([]string{"run"}, args...)
		code, err := monitor.Run(ctx, monitor.Options{
			Command: func() *exec.Cmd {
				cmd := exec.Command(exe, childArgs...)
				cmd.Stdout = c.stdout
				// The wallet keys loading the config took out of this
				// process's environment (providers.ResolveSecret): the
				// daemon reads them again.
				cmd.Env = append(os.Environ(), providers.ConsumedEnv()...)
				if asService {
					cmd.Env = append(cmd.Env, envService+"=1")
				}
				childProcAttr(cmd)
				return cmd
			},
			PanicDir: cfg.DataDir,
			Logger:   log,
			Stderr:   c.stderr,
			Final:    func(code int) bool { return code == exitOK || code == exitUsage || code == exitLocked },
		})
		if err != nil {
			return c.fail(err)
		}
		return code
	}
	if asService {
		return c.runService(cfg, watch)
	}
	return watch(ctx)
}

// runService runs fn under the service manager (Windows SCM, systemd).
func (c *cli) runService(cfg *config.Config, fn func(ctx context.Context) int) int {
	code := exitOK
	err := svc.Run(serviceSettings(cfg), func(ctx context.Context) error {
		code = fn(ctx)
		if code != exitOK {
			return exitError(code)
		}
		return nil
	})
	if err != nil && code == exitOK {
		return c.fail(err)
	}
	return code
}

// exitError carries an exit code through the service wrapper.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("scanpay stopped with exit code %d", int(e)) }
func (e exitError) ExitCode() int { return int(e) }

func serviceSettings(cfg *config.Config) svc.Settings {
	return svc.Settings{ConfigPath: cfg.Path, DataDir: cfg.DataDir}
}

// monitorLogger: the watching parent logs to the console, or as a service
// to its own file beside the daemon's (two processes must not rotate one
// lumberjack file).
func (c *cli) monitorLogger(cfg *config.Config, asService bool) (*slog.Logger, interface{ Close() error }, error) {
	o := logging.Options{Config: logging.Config{Level: cfg.Log.Level, Format: cfg.Log.Format}, Sandbox: cfg.Sandbox}
	if asService {
		o.Config.File = filepath.Join(filepath.Dir(cfg.ServiceLogFile()), "monitor.log")
	} else {
		o.Console = c.stderr
	}
	return logging.New(o)
}

// serve runs the daemon in this process until ctx ends (or, as a monitored
// child, until the monitor closes stdin).
func (c *cli) serve(ctx context.Context, cfg *config.Config, asService bool) int {
	secrets := &logging.Secrets{}
	lo := logging.Options{Config: cfg.Log, Secrets: secrets, Sandbox: cfg.Sandbox}
	if toJournal, _ := journal.StderrIsJournalStream(); toJournal && runtime.GOOS == "linux" {
		lo.Journal = true // and the file only if [log] file names one
	} else if asService {
		lo.Config.File = cfg.ServiceLogFile()
	} else {
		lo.Console = c.stderr
	}
	log, closer, err := logging.New(lo)
	if err != nil {
		return c.fail(&config.Error{Err: err})
	}
	defer closer.Close()
	for _, n := range cfg.Notes {
		log.Warn("configuration migrated in memory; update the file", "change", n, "file", cfg.Path)
	}
	if cfg.Sandbox {
		log.Warn(sandboxNote(c.defaultConfig), "data_dir", cfg.DataDir, "default_config", c.defaultConfig)
	}
	ctx, cancel := monitor.StopOnStdinClose(ctx)
	defer cancel()
	b := currentBuild()
	err = runNotifying(ctx, cfg, daemon.Options{Logger: log, Secrets: secrets, Version: b.Version, Commit: b.Commit})
	if err != nil {
		log.Error("scanpay stopped", "err", err)
		return c.fail(err)
	}
	log.Info("scanpay stopped")
	return exitOK
}

// runNotifying runs the daemon and, under a Type=notify systemd unit,
// says READY=1 once the POS API answers and feeds the watchdog while it
// does.
func runNotifying(ctx context.Context, cfg *config.Config, o daemon.Options) error {
	d, err := daemon.Start(ctx, cfg, o)
	if err != nil {
		return err
	}
	nctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sdnotify.Run(nctx, apiAnswers("http://"+d.Addr()+"/healthz"), o.Logger)
	}()
	err = d.Wait()
	stop()
	<-done
	return err
}

// apiAnswers probes url: any HTTP answer, healthy or not, means the API
// is serving (an unhealthy scanpay still finishes its payments; a restart
// would not help it).
func apiAnswers(url string) sdnotify.Probe {
	client := &http.Client{Timeout: 5 * time.Second}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

// sandboxNote is the warning a SANDBOX run starts with: --sandbox while
// the default configuration exists must not claim there is none.
func sandboxNote(defaultConfig string) string {
	if _, err := os.Stat(defaultConfig); err == nil {
		return "SANDBOX mode (--sandbox): the configuration file is not read, the wallets are simulated and nothing is charged"
	}
	return "SANDBOX mode: no configuration file, the wallets are simulated and nothing is charged"
}
