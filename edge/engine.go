package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scanpay/scanpay/edge/events"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/store"
)

// WalletSetup is one enabled wallet and its limits.
type WalletSetup struct {
	Wallet providers.Wallet
	Limits providers.Limits
}

// Defaults for the Config knobs left at zero. cmd/scanpay's check-config
// prints these, so they are stated once, here.
const (
	DefaultWorkers     = 8
	DefaultScanHold    = 30 * time.Second
	DefaultScanTimeout = 5 * time.Minute
	DefaultRetention   = 90 * 24 * time.Hour
	// DefaultMaxAmount is the largest payment accepted, in TWD: far above
	// any purchase at a store counter paid by a wallet, low enough that a
	// POS bug (an amount sent in cents, an overflowed integer) is refused
	// before it reaches a wallet, and an exact integer in JSON and in every
	// wallet's 32-bit amount field.
	DefaultMaxAmount = 1_000_000
)

// Config is everything the engine runs with. cmd/scanpay builds it from the
// TOML file.
type Config struct {
	Journal     *store.Journal
	Wallets     map[string]WalletSetup // by registry name; a classified code whose wallet is absent → ErrWalletNotEnabled
	Classifier  *providers.Classifier
	Lanes       []string      // configured terminal_ids; empty = any lane accepted
	Hooks       []hooks.Hook  // built from []hooks.Config
	Workers     int           // dispatch pool size, default 8
	ScanHold    time.Duration // scan-then-amount: how long a wallet code scanned first is held (default 30s)
	ScanTimeout time.Duration // awaiting_scan → cancelled after this (default 5m)
	Retention   time.Duration // prune final payments older than this (default 90 days; 0 = default)
	MaxAmount   int64         // largest payment accepted, TWD (default DefaultMaxAmount)
	Sandbox     bool
	Logger      *slog.Logger
	// Clock is the time source (default: the system's). Now, when set
	// and Clock is not, replaces only its wall clock.
	Clock Clock
	Now   func() time.Time

	// Retry paces resends of a request that provably never reached the
	// wallet (inside the code's lifetime). Default 250ms doubling to 5s.
	Retry Backoff
	// Resolve paces the settling of unknown outcomes, reversals and
	// refund resends. Default 1s doubling to 60s.
	Resolve Backoff
	// HookRetry paces failed receipt deliveries. Default 2s doubling to 5m.
	HookRetry Backoff
	// Poll is how often the hook outbox and the journal are swept for due
	// work that no timer holds (after a restart, a clock jump). Default 1s
	// for the outbox; the journal sweep runs every 10 Polls.
	Poll time.Duration
	// Scanners reports the configured scanners (nil: none). A scanner not
	// connected is a Health problem, and a checkout on a lane none of whose
	// scanners is connected carries a warning.
	Scanners Scanners
	// ScannerGrace is how long a scanner not yet connected since start may
	// take to open before it is a problem (default DefaultScannerGrace). A
	// scanner that was connected and goes away is a problem at once.
	ScannerGrace time.Duration
	// Observer is told of final payments, wallet calls, scans and receipt
	// deliveries (the metrics); nil = nobody.
	Observer Observer
	// WalletCheck is how often wallets that can tell (providers.HealthChecker)
	// are asked, without charging anyone, whether they are reachable and
	// accept scanpay's credentials; failures show in Health. Default 5m.
	WalletCheck time.Duration
	// Report is the store's business day, for day-end reports (default:
	// midnight to midnight in the PC's time zone).
	Report report.Config
}

// Backoff is an exponential delay with jitter: Min doubling per attempt,
// capped at Max.
type Backoff struct {
	Min, Max time.Duration
}

// Delay is the pause before attempt n+1 after n attempts (n >= 1), with
// ±20% jitter so that lanes retrying together spread out, never above Max.
func (b Backoff) Delay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := b.Min
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	if d > b.Max {
		d = b.Max
	}
	j := time.Duration(rand.Int64N(int64(d)/5 + 1))
	if rand.IntN(2) == 0 || d+j > b.Max {
		// Never longer than Max: the engine treats a wait longer than its
		// maximum as a sign that the clock went back (see passed).
		return d - j
	}
	return d + j
}

func (b Backoff) orDefault(min, max time.Duration) Backoff {
	if b.Min <= 0 {
		b.Min = min
	}
	if b.Max < b.Min {
		b.Max = max
		if b.Max < b.Min {
			b.Max = b.Min
		}
	}
	return b
}

// Engine runs payments from checkout to a final, journaled state.
type Engine struct {
	cfg   Config
	j     *store.Journal
	log   *slog.Logger
	clock Clock
	now   func() time.Time // steady time: deadlines are computed and compared in it
	// waitMax bounds every wait on a payment's or refund's NextTry.
	waitMax time.Duration
	// pruneEvery paces pruning (defaultPruneEvery; tests shorten it).
	pruneEvery time.Duration
	lanes      *lanes
	laneHealth *laneHealth
	obs        Observer
	sched      *scheduler
	bus        *events.Bus[Event]
	hooks      map[string]hooks.Hook
	laneSet    map[string]bool

	watchMu sync.Mutex
	watch   map[string]chan struct{} // refunds' long-polls
	waits   map[string]*waiting      // payments' long-polls

	healthMu  sync.Mutex
	hookState map[string]string
	problems  map[string]string // key → problem, for Health

	outboxKick chan struct{}
	running    atomic.Bool
	reports    *report.Reporter
}

// New checks cfg and builds an engine. Nothing runs until Run.
func New(cfg Config) (*Engine, error) {
	if cfg.Journal == nil {
		return nil, errors.New("edge: Config.Journal is nil: open the journal (store.Open) first")
	}
	if cfg.Classifier == nil {
		return nil, errors.New("edge: Config.Classifier is nil: build one with providers.NewClassifier(providers.DefaultRules())")
	}
	for name, w := range cfg.Wallets {
		if w.Wallet == nil {
			return nil, fmt.Errorf("edge: wallet %q has no implementation: open it from its provider config", name)
		}
		if w.Limits.CodeTTL <= 0 || w.Limits.Timeout <= 0 {
			return nil, fmt.Errorf("edge: wallet %q has no code_ttl or timeout: set providers.%s.code_ttl and timeout (the provider's Limits())", name, name)
		}
	}
	reports, err := report.New(cfg.Journal, cfg.Report)
	if err != nil {
		return nil, fmt.Errorf("edge: report: %w", err)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.ScanHold <= 0 {
		cfg.ScanHold = DefaultScanHold
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = DefaultScanTimeout
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxAmount <= 0 {
		cfg.MaxAmount = DefaultMaxAmount
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock(cfg.Now)
	}
	cfg.Now = cfg.Clock.Now
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.ScannerGrace <= 0 {
		cfg.ScannerGrace = DefaultScannerGrace
	}
	if cfg.WalletCheck <= 0 {
		cfg.WalletCheck = 5 * time.Minute
	}
	cfg.Retry = cfg.Retry.orDefault(250*time.Millisecond, 5*time.Second)
	cfg.Resolve = cfg.Resolve.orDefault(time.Second, time.Minute)
	cfg.HookRetry = cfg.HookRetry.orDefault(2*time.Second, 5*time.Minute)
	e := &Engine{
		cfg:        cfg,
		j:          cfg.Journal,
		log:        cfg.Logger,
		clock:      cfg.Clock,
		now:        newSteadyClock(cfg.Clock).now,
		waitMax:    max(cfg.Retry.Max, cfg.Resolve.Max),
		pruneEvery: defaultPruneEvery,
		reports:    reports,
		lanes:      newLanes(),
		laneHealth: newLaneHealth(),
		obs:        cfg.Observer,
		sched:      newScheduler(),
		bus:        events.New[Event](0),
		hooks:      map[string]hooks.Hook{},
		laneSet:    map[string]bool{},
		watch:      map[string]chan struct{}{},
		waits:      map[string]*waiting{},
		hookState:  map[string]string{},
		problems:   map[string]string{},
		outboxKick: make(chan struct{}, 1),
	}
	for _, h := range cfg.Hooks {
		if _, dup := e.hooks[h.Name()]; dup {
			return nil, fmt.Errorf("edge: two hooks are named %q: give each [[hooks]] its own name", h.Name())
		}
		e.hooks[h.Name()] = h
		e.hookState[h.Name()] = "ok"
	}
	for _, l := range cfg.Lanes {
		e.laneSet[l] = true
	}
	return e, nil
}

// Run recovers every unfinished payment, refund and receipt from the
// journal, then dispatches until ctx ends. Requests already out to a wallet
// when ctx ends are allowed to finish (each within its wallet's timeout) and
// their outcome is journaled before Run returns, so the journal can be
// closed right after.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("edge: Run called twice")
	}
	if err := e.recover(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Go(e.worker)
	}
	wg.Go(e.requeue)
	bg, stop := context.WithCancel(ctx)
	defer stop()
	wg.Go(func() { e.outboxLoop(bg) })
	wg.Go(func() { e.sweepLoop(bg) })
	wg.Go(func() { e.walletLoop(bg) })
	wg.Go(func() { e.laneLoop(bg) })
	<-ctx.Done()
	e.sched.close()
	wg.Wait()
	return nil
}

// recover resumes every non-final payment where it stood (DESIGN.md rule 5):
// it puts each on its lane now, paging through the journal's state index
// so that however many are open, a page of records is in memory at once.
// requeue, run once the workers are, hands them out in a bounded queue.
func (e *Engine) recover() error {
	n := 0
	err := e.j.EachPending(0, func(p store.Payment) error {
		e.lanes.track(p)
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("edge: read unfinished payments from the journal %s: %w", e.j.Path(), err)
	}
	refunds, err := e.j.PendingRefunds()
	if err != nil {
		return fmt.Errorf("edge: read unfinished refunds from the journal %s: %w", e.j.Path(), err)
	}
	for _, r := range refunds {
		e.sched.kick(refundKey(r.ID))
	}
	if n+len(refunds) > 0 {
		e.log.Info("resuming unfinished work from the journal", "payments", n, "refunds", len(refunds))
	}
	return nil
}

// errClosed stops a walk through the journal once the scheduler is closed.
var errClosed = errors.New("edge: scheduler closed")

// requeue kicks every non-final payment, waiting for room in the queue.
func (e *Engine) requeue() {
	err := e.j.EachPending(0, func(p store.Payment) error {
		if !e.sched.kickWhenRoom(paymentKey(p.ID)) {
			return errClosed
		}
		return nil
	})
	if err != nil && !errors.Is(err, errClosed) {
		e.journalFailed("read unfinished payments", err)
	}
}

// defaultPruneEvery is how often final payments past retention are
// pruned, by the monotonic clock.
const defaultPruneEvery = 6 * time.Hour

// sweepLoop re-kicks due work that no timer holds, keeps the journal's last
// seen time mark, and prunes old payments by the retention clock.
func (e *Engine) sweepLoop(ctx context.Context) {
	t := time.NewTicker(10 * e.cfg.Poll)
	defer t.Stop()
	r, markWall, err := e.j.LastSeen()
	if err != nil {
		e.journalFailed("read the last seen time", err)
	}
	rc, j := startRetention(r, markWall, e.clock.Now(), e.clock.Elapsed())
	jumped := time.Duration(-1) // when the last jump was reported, monotonic
	if e.clockJumped(j) {
		jumped = e.clock.Elapsed()
	}
	var lastPrune, lastMark time.Duration = -e.pruneEvery, -time.Hour
	for {
		mono := e.clock.Elapsed()
		if e.clockJumped(rc.advance(e.clock.Now(), mono)) {
			jumped = mono
		} else if jumped >= 0 && mono-jumped > jumpReported {
			e.setProblem("clock", "") // said for a day; the log keeps it
			jumped = -1
		}
		if mono-lastMark >= time.Minute {
			if err := e.j.SetLastSeen(rc.r, rc.wall); err != nil {
				e.journalFailed("keep the last seen time", err)
			} else {
				lastMark = mono
			}
		}
		if mono-lastPrune >= e.pruneEvery {
			lastPrune = mono
			if n, err := e.j.Prune(rc.r.Add(-e.cfg.Retention)); err != nil {
				e.journalFailed("prune old payments", err)
			} else if n > 0 {
				e.log.Info("pruned final payments past retention", "count", n, "retention", e.cfg.Retention)
			}
		}
		select {
		case <-ctx.Done():
			e.j.SetLastSeen(rc.r, rc.wall)
			return
		case <-t.C:
		}
		now := e.now()
		e.j.EachPending(0, func(p store.Payment) error {
			if p.State != store.AwaitingScan && passed(p.NextTry, now, e.waitMax) && !e.sched.tryKick(paymentKey(p.ID)) {
				return errClosed // full: the rest at the next sweep
			}
			return nil
		})
		if refunds, err := e.j.PendingRefunds(); err == nil {
			for _, r := range refunds {
				if passed(r.NextTry, now, e.waitMax) {
					e.sched.kick(refundKey(r.ID))
				}
			}
		}
	}
}

// jumpReported is how long Health reports a clock jump.
const jumpReported = 24 * time.Hour

// clockJumped reports a forward jump of the wall clock that retention did
// not count (nil: none), and says whether there was one.
func (e *Engine) clockJumped(j *jump) bool {
	if j == nil {
		return false
	}
	e.setProblem("clock", fmt.Sprintf("%s: pruning does not count the jump as time passed, so final payments are kept up to that much longer than retention (%s) and none is lost; if the clock is wrong now, correct it and its time sync (this notice clears after %s)", j, e.cfg.Retention, jumpReported))
	return true
}

// wake makes key due at when, a deadline of at most bound: one further
// ahead than bound was set before the clock went back, and is due now.
func (e *Engine) wake(key string, when time.Time, bound time.Duration) {
	now := e.now()
	if passed(when, now, bound) {
		e.sched.kick(key)
		return
	}
	e.sched.at(key, when, now)
}

// wall is the wall clock, for stamps a person reads (never for a wait).
func (e *Engine) wall() time.Time { return e.clock.Now() }

// walletLoop asks each wallet that can tell whether it is reachable.
func (e *Engine) walletLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.WalletCheck)
	defer t.Stop()
	for {
		for name, w := range e.cfg.Wallets {
			hc, ok := w.Wallet.(providers.HealthChecker)
			if !ok {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, w.Limits.Timeout)
			var err error
			e.timed(name, CallHealth, func() { err = hc.Health(cctx) })
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				e.log.Warn("wallet health check failed", "wallet", name, "err", err)
				e.setProblem("health:"+name, fmt.Sprintf("wallet %s is not reachable or refuses scanpay's credentials: %v; check providers.%s (base_url, keys) and the network", name, err, name))
			} else {
				e.setProblem("health:"+name, "")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Subscribe streams scan, payment, device and hook events until ctx ends.
// A subscriber that falls DefaultBuffer events behind loses the oldest
// (counted in Health().Problems), so it can never stall the engine.
func (e *Engine) Subscribe(ctx context.Context) <-chan Event { return e.bus.Subscribe(ctx) }

func (e *Engine) publish(typ string, data any) {
	e.bus.Publish(Event{Type: typ, At: e.wall(), Data: data})
}

// setProblem records (problem != "") or clears (problem == "") what an
// operator must look at under key. It logs only changes: a Warn when a
// problem appears or its text changes, an Info when it clears, so a store's
// IT person can read the log without a retry loop flooding it. The log is
// written under the lock so that the lines of one key come in the order the
// changes happened. Texts never hold a full code or a secret.
func (e *Engine) setProblem(key, problem string) {
	e.healthMu.Lock()
	defer e.healthMu.Unlock()
	old, had := e.problems[key]
	switch {
	case problem == "" && had:
		delete(e.problems, key)
		e.log.Info("resolved: "+old, "problem", key)
	case problem != "" && problem != old:
		e.problems[key] = problem
		e.log.Warn("problem: "+problem, "problem", key)
	}
}
