package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/metrics"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// ErrLocked is wrapped when another scanpay holds the journal.
var ErrLocked = store.ErrLocked

// Options tune Start.
type Options struct {
	Logger  *slog.Logger
	Secrets *logging.Secrets // the API token and wallet secrets are added here, so the log masks them
	// Engine overrides the engine's pacing (tests and the demo shorten it);
	// only the non-zero fields of Retry, Resolve, HookRetry and Poll are used.
	Engine edge.Config
	// WalletDial, when set, makes every wallet connection through it (the
	// demo uses it to cut the network); nil = the wallets' own clients.
	WalletDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Version and Commit label scanpay_build_info.
	Version, Commit string
}

// Daemon is a started scanpay.
type Daemon struct {
	cfg         *config.Config
	log         *slog.Logger
	journal     *store.Journal
	engine      *edge.Engine
	server      *posapi.Server
	scanners    *scanner.Manager
	simulators  map[string]wallettest.Simulator
	token       string
	metricsAddr string

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
	done   chan struct{}
}

// Start opens everything and starts serving. It returns once the POS API
// is listening; Wait returns when ctx ends (or a part fails) and all is
// closed.
func Start(ctx context.Context, cfg *config.Config, o Options) (d *Daemon, err error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	d = &Daemon{cfg: cfg, log: log, done: make(chan struct{})}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
		}
	}()

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir %s cannot be created: %w (create it, writable by the service user, or choose another data_dir)", cfg.DataDir, err)
	}
	// Windows: the journal and the token must not be readable by every
	// user through C:\ProgramData's inherited access list.
	if err := fileperm.RestrictToOwner(cfg.DataDir); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	j, err := store.Open(cfg.JournalPath(), store.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	d.journal = j
	closers = append(closers, func() { j.Close() })
	// A journal from before data_dir was narrowed keeps the list it was
	// created with: narrow it too (it holds open payments' full codes).
	if err := fileperm.RestrictToOwner(cfg.JournalPath()); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}

	env := providers.Env{Logger: log, Dir: cfg.Dir}
	setups := map[string]edge.WalletSetup{}
	if cfg.Sandbox {
		sims, err := startSimulators(log)
		if err != nil {
			return nil, err
		}
		d.simulators = sims
		closers = append(closers, func() {
			for _, s := range sims {
				s.Close()
			}
		})
		for name, sim := range sims {
			wc := sim.Config()
			if err := wc.Provision(env); err != nil {
				return nil, fmt.Errorf("SANDBOX %s simulator: %w", name, err)
			}
			if o.Secrets != nil {
				o.Secrets.Add(config.SecretsOf(wc, env)...)
			}
			if err := openWallet(name, wc, env, o.WalletDial, setups); err != nil {
				return nil, err
			}
		}
	} else {
		// Before any wallet can log: a key logged under any attribute name,
		// or inside a wallet's error text, is masked from the first line.
		if o.Secrets != nil {
			o.Secrets.Add(cfg.SecretValues()...)
		}
		for _, w := range cfg.Wallets {
			if err := openWallet(w.Name, w.Config, env, o.WalletDial, setups); err != nil {
				return nil, err
			}
		}
	}

	classifier, err := providers.NewClassifier(cfg.Rules())
	if err != nil {
		return nil, fmt.Errorf("[[classify]]: %w", err)
	}
	// A code two wallets' shapes fit ("22" + 16 digits: JKOPay or LINE
	// Pay) is ambiguous only while both are enabled here.
	classifier = classifier.Enabled(slices.Sorted(maps.Keys(setups)))
	if o.Secrets != nil {
		o.Secrets.SetCodeMatcher(func(run string) bool {
			// Any wallet's code is a credential, supported or not; ambiguous
			// ones too. Products, e-invoice carriers and unknowns are not.
			switch classifier.Classify(run).Class {
			case providers.ClassUnknown, providers.ClassProduct, providers.ClassEInvoice, providers.ClassCitizen:
				return false
			}
			return true
		})
	}
	var hks []hooks.Hook
	for i, hc := range cfg.Hooks {
		h, err := hooks.New(hc, cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("hooks[%d]: %w", i, err)
		}
		hks = append(hks, h)
	}
	lanes := cfg.AcceptedLanes()
	if len(lanes) == 0 && !cfg.Sandbox {
		log.Warn("no [[scanners]] and no lanes configured: the POS may pay on any terminal_id; list them in lanes to refuse a mistyped one")
	} else if len(lanes) > 0 {
		log.Info("lanes accepted", "terminal_ids", lanes)
	}
	mgr, err := scanner.NewManager(cfg.Scanners, scanner.Options{Logger: log.With("component", "scanner")})
	if err != nil {
		return nil, fmt.Errorf("scanners: %w", err)
	}
	d.scanners = mgr
	biz := metrics.New(metrics.Build{Version: o.Version, Commit: o.Commit, Sandbox: cfg.Sandbox}, cfg.JournalPath(), lanes)

	ec := o.Engine
	ec.Journal, ec.Wallets, ec.Classifier, ec.Lanes, ec.Hooks = j, setups, classifier, lanes, hks
	ec.Scanners, ec.ScannerGrace, ec.Observer = mgr, cfg.ScannerGrace, biz
	ec.Workers, ec.ScanHold, ec.ScanTimeout, ec.Retention = cfg.Workers, cfg.ScanHold, cfg.ScanTimeout, cfg.Retention
	ec.MaxAmount = cfg.MaxAmount
	if ec.Report, err = cfg.Report.Resolve(); err != nil {
		return nil, fmt.Errorf("report.%w", err)
	}
	ec.Sandbox, ec.Logger = cfg.Sandbox, log.With("component", "engine")
	eng, err := edge.New(ec)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	d.engine = eng

	token, err := posapi.LoadOrCreateToken(cfg.API.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("api.token_file: %w", err)
	}
	d.token = token
	if o.Secrets != nil {
		o.Secrets.Add(token)
	}
	srv, err := posapi.New(cfg.API, eng, mgr, token, log, cfg.Sandbox)
	if err != nil {
		return nil, err
	}
	d.server = srv
	srv.MaskWith(o.Secrets) // answers and events masked as the log is
	if err := biz.Register(srv.Registry()); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	var metricsLn net.Listener
	if cfg.Metrics.Listen != "" {
		if metricsLn, err = posapi.ListenLoopback("metrics.listen", cfg.Metrics.Listen, posapi.DefaultMetricsListen); err != nil {
			return nil, err
		}
		closers = append(closers, func() { metricsLn.Close() })
		d.metricsAddr = metricsLn.Addr().String()
	}

	ctx, d.cancel = context.WithCancel(ctx)
	scans := make(chan scanner.Scan, 64)
	devEvents := make(chan scanner.DeviceEvent, 64)
	d.run("engine", func() error { return eng.Run(ctx) })
	d.run("pos api", func() error { return srv.Serve(ctx) })
	if metricsLn != nil {
		d.run("metrics", func() error { return srv.ServeMetrics(ctx, metricsLn) })
	}
	d.run("scanners", func() error { return mgr.Run(ctx, scans, devEvents) })
	d.run("scan pump", func() error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case s := <-scans:
				res, err := eng.Scan(ctx, s)
				if err != nil {
					log.Warn("scan refused", "scan", s.String(), "err", err)
					continue
				}
				log.Info("scan", "lane", s.Lane, "device", s.Device, "kind", res.Kind, "class", res.Class, "code", res.Masked, "payment", res.PaymentID)
			case ev := <-devEvents:
				eng.Device(ev)
			}
		}
	})
	go func() {
		d.wg.Wait()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		close(d.done)
	}()
	log.Info("scanpay started", "sandbox", cfg.Sandbox, "api", srv.Addr(), "journal", cfg.JournalPath(), "wallets", len(setups), "scanners", len(cfg.Scanners), "hooks", len(hks))
	return d, nil
}

func openWallet(name string, wc providers.Config, env providers.Env, dial func(context.Context, string, string) (net.Conn, error), setups map[string]edge.WalletSetup) error {
	if err := wc.Validate(); err != nil {
		return err
	}
	if dial != nil {
		timeout := wc.Limits().Timeout
		if timeout <= 0 {
			timeout = 15 * time.Second
		}
		env.HTTPClient = &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	}
	w, err := wc.Open(env)
	if err != nil {
		return fmt.Errorf("[providers.%s]: %w", name, err)
	}
	setups[name] = edge.WalletSetup{Wallet: w, Limits: wc.Limits()}
	return nil
}

// run starts a part; the first part to fail stops the others.
func (d *Daemon) run(name string, fn func() error) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		err := fn()
		if err == nil || errors.Is(err, context.Canceled) {
			// Done early with nothing to do (no scanners configured), or
			// stopped: the other parts carry on until ctx ends.
			return
		}
		d.mu.Lock()
		if d.err == nil {
			d.err = fmt.Errorf("%s: %w", name, err)
		}
		d.mu.Unlock()
		d.log.Error("a part of scanpay failed; stopping", "part", name, "err", err)
		d.cancel()
	}()
}

// Wait blocks until the daemon has stopped and everything is closed, and
// returns the first failure.
func (d *Daemon) Wait() error {
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Stop asks the daemon to stop and waits.
func (d *Daemon) Stop() error {
	d.cancel()
	return d.Wait()
}

// Addr is the POS API's TCP address.
func (d *Daemon) Addr() string { return d.server.Addr() }

// MetricsAddr is metrics.listen's bound address ("" when not set).
func (d *Daemon) MetricsAddr() string { return d.metricsAddr }

// Token is the POS API's bearer token.
func (d *Daemon) Token() string { return d.token }

// Simulators are the SANDBOX wallets (nil in production).
func (d *Daemon) Simulators() map[string]wallettest.Simulator { return d.simulators }

// Engine is the running engine.
func (d *Daemon) Engine() *edge.Engine { return d.engine }

// Run starts the daemon and serves until ctx ends.
func Run(ctx context.Context, cfg *config.Config, o Options) error {
	d, err := Start(ctx, cfg, o)
	if err != nil {
		return err
	}
	return d.Wait()
}
