package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet"
	"github.com/scanpay/scanpay/providers/ipass"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/linepay"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// rig is one engine on a real journal file, wired to real simulators.
type rig struct {
	t       testing.TB
	e       *Engine
	j       *store.Journal
	sims    map[string]wallettest.Simulator
	logs    *syncBuffer
	cancel  context.CancelFunc
	done    chan error
	started bool

	mu     sync.Mutex
	events []Event
	codes  []string // every full code scanned, to prove none leaked
}

type rigOpts struct {
	wallets   []string // simulators to run; nil = all
	hooks     []hooks.Hook
	lanes     []string
	timeout   time.Duration // per-request timeout (short, so hangs end fast)
	codeTTL   time.Duration
	scanHold  time.Duration
	scanAfter time.Duration
	path      string // journal path; "" = a new file in t.TempDir()
	noRun     bool
	quiet     bool // discard logs (benchmarks)
	workers   int
	check     time.Duration // WalletCheck; 0 = an hour (out of the way of injected faults)
	simOpts   wallettest.Options
	shared    map[string]wallettest.Simulator // simulators to reuse by name (an engine restarted on the same books)
	now       func() time.Time                // the wall clock (nil: time.Now)
	clock     Clock                           // the whole clock (nil: the system's, with now)
	retention time.Duration
	scanners  Scanners      // lane health's source (nil: none)
	grace     time.Duration // ScannerGrace
	observer  Observer
}

// fastPacing shortens every retry and poll so that tests settle in
// milliseconds; the logic paced is the same.
func fastPacing(c Config) Config {
	c.Retry = Backoff{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}
	c.Resolve = Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	c.HookRetry = Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	c.Poll = 20 * time.Millisecond
	return c
}

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func openJournal(t testing.TB, path string) *store.Journal {
	t.Helper()
	j, err := store.Open(path, store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// walletSetup opens a wallet on a simulator's config, as cmd/scanpay does
// with a TOML table.
func walletSetup(t testing.TB, sim wallettest.Simulator, timeout, codeTTL time.Duration, log *slog.Logger) WalletSetup {
	t.Helper()
	cfg := sim.Config()
	env := providers.Env{Logger: log}
	w, err := cfg.Open(env)
	if err != nil {
		t.Fatalf("open %s on its simulator: %v", sim.Name(), err)
	}
	lim := cfg.Limits()
	if timeout > 0 {
		lim.Timeout = timeout
	}
	if codeTTL > 0 {
		lim.CodeTTL = codeTTL
	}
	return WalletSetup{Wallet: w, Limits: lim}
}

func newRig(t testing.TB, o rigOpts) *rig { return newRigWith(t, o, nil) }

// newRigWith runs the engine against sim (nil: new simulators for
// o.wallets), so that two engines in turn can share one wallet's books.
func newRigWith(t testing.TB, o rigOpts, sim wallettest.Simulator) *rig {
	t.Helper()
	if o.wallets == nil {
		o.wallets = simNames
	}
	if o.timeout == 0 {
		o.timeout = 2 * time.Second
	}
	if o.path == "" {
		o.path = filepath.Join(t.TempDir(), "journal.db")
	}
	r := &rig{t: t, sims: map[string]wallettest.Simulator{}, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.quiet {
		log = slog.New(slog.DiscardHandler)
		o.simOpts.Logger = log
	}
	if o.simOpts.Logger == nil {
		o.simOpts.Logger = slog.New(slog.DiscardHandler)
	}
	if o.workers == 0 {
		o.workers = 4
	}
	if o.check == 0 {
		o.check = time.Hour
	}
	wallets := map[string]WalletSetup{}
	for _, name := range o.wallets {
		s := sim
		if s == nil {
			s = o.shared[name]
		}
		if s == nil {
			s = newSim(t, name, o.simOpts)
			t.Cleanup(s.Close)
		}
		r.sims[name] = s
		wallets[name] = walletSetup(t, s, o.timeout, o.codeTTL, log)
	}
	cls, err := providers.NewClassifier(providers.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	r.j = openJournal(t, o.path)
	e, err := New(fastPacing(Config{
		Journal: r.j, Wallets: wallets, Classifier: cls, Lanes: o.lanes, Hooks: o.hooks,
		ScanHold: o.scanHold, ScanTimeout: o.scanAfter, Logger: log, Workers: o.workers, WalletCheck: o.check,
		Now: o.now, Clock: o.clock, Retention: o.retention, Scanners: o.scanners, ScannerGrace: o.grace, Observer: o.observer,
	}))
	if err != nil {
		t.Fatal(err)
	}
	r.e = e
	ctx, cancel := context.WithCancel(context.Background())
	evs := e.Subscribe(ctx)
	go func() {
		for ev := range evs {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
		}
	}()
	r.cancel = cancel
	r.done = make(chan error, 1)
	if !o.noRun {
		r.start(ctx)
	}
	t.Cleanup(r.stop)
	return r
}

func (r *rig) start(ctx context.Context) {
	r.started = true
	go func() { r.done <- r.e.Run(ctx) }()
}

// stop ends Run and closes the journal (idempotent).
func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if !r.started {
		r.j.Close()
		return
	}
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		r.t.Errorf("Run did not return after its context ended")
	}
	r.j.Close()
}

func (r *rig) pay(lane, order string, amount int64, wallet string) PaymentView {
	r.t.Helper()
	v, created, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: lane, OrderNumber: order, Amount: amount})
	if err != nil || !created {
		r.t.Fatalf("CreatePayment: %v (created %v)", err, created)
	}
	if v.State != store.AwaitingScan {
		r.t.Fatalf("new payment is %s, want awaiting_scan", v.State)
	}
	code := r.sims[wallet].IssueCode()
	r.mu.Lock()
	r.codes = append(r.codes, code)
	r.mu.Unlock()
	res, err := r.e.Scan(context.Background(), scanner.Scan{Lane: lane, Code: code, Device: "test"})
	if err != nil || res.Kind != "payment" || res.PaymentID != v.ID {
		r.t.Fatalf("Scan = %+v, %v; want it to trigger %s", res, err, v.ID)
	}
	return v
}

func (r *rig) wait(id string) PaymentView {
	r.t.Helper()
	v, err := r.e.Wait(context.Background(), id, 15*time.Second)
	if err != nil {
		r.t.Fatal(err)
	}
	if !v.Final {
		r.t.Fatalf("payment %s still %s after 15s; history %+v\nlog:\n%s", id, v.State, v.History, r.logs.String())
	}
	return v
}

// waitState waits until the payment is in state s (final or not).
func (r *rig) waitState(id string, s store.State) PaymentView {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, err := r.e.Payment(context.Background(), id)
		if err != nil {
			r.t.Fatal(err)
		}
		if v.State == s {
			return v
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("payment %s is %s, never %s; history %+v", id, v.State, s, v.History)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle waits until nothing is left to do in the journal.
func (r *rig) settle() {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err1 := r.j.Pending()
		rf, err2 := r.j.PendingRefunds()
		d, err3 := r.j.PendingDeliveries()
		if err1 != nil || err2 != nil || err3 != nil {
			r.t.Fatal(err1, err2, err3)
		}
		if len(p)+len(rf)+len(d) == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("still pending after 30s: %d payments, %d refunds, %d deliveries", len(p), len(rf), len(d))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) eventsOf(typ string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func historyStates(v PaymentView) []store.State {
	var s []store.State
	for _, c := range v.History {
		s = append(s, c.State)
	}
	return s
}

// orderRef names, per wallet, the WalletRef key holding the merchant order
// number the wallet books the charge under (wallettest.Charge.Key).
var orderRef = map[string]string{
	"jkopay":     jkopay.RefMerchantTradeNo,
	"easywallet": easywallet.RefMerchantOrderNo,
	"ipass":      ipass.RefOrderNumber,
	"linepay":    linepay.RefOrderID,
}

// live reports whether a charge still holds the customer's money.
func live(c wallettest.Charge) bool { return !c.Voided && c.Refunded < c.Amount }

// ledgerTruth checks every journaled payment against the simulators'
// books, matching a charge to its payment by the wallet's order key (never
// by masked code, which collides): money moved exactly when the journal
// says so, every charge belongs to a journaled payment, and each POS order
// (lane + order number), however often it was sent, holds at most one
// live charge, the one of its approved payment.
func ledgerTruth(t testing.TB, payments []store.Payment, ledgers map[string][]wallettest.Charge) {
	t.Helper()
	charges := map[string]wallettest.Charge{} // wallet/key → charge
	for wallet, cs := range ledgers {
		for _, c := range cs {
			charges[wallet+"/"+c.Key] = c
		}
	}
	claimed := map[string]string{} // wallet/key → payment id
	type order struct {
		live     []wallettest.Charge
		approved []string
	}
	orders := map[string]*order{}
	for _, p := range payments {
		o := orders[p.TerminalID+"/"+p.OrderNumber]
		if o == nil {
			o = &order{}
			orders[p.TerminalID+"/"+p.OrderNumber] = o
		}
		if p.State == store.Approved {
			o.approved = append(o.approved, p.ID)
		}
		if p.MaskedCode == "" {
			if p.State != store.Cancelled {
				t.Errorf("payment %s without a code ended %s", p.ID, p.State)
			}
			continue
		}
		var kept, given int64
		var charge *wallettest.Charge
		if key := p.WalletRef[orderRef[p.Wallet]]; key != "" {
			if c, ok := charges[p.Wallet+"/"+key]; ok {
				if other, dup := claimed[p.Wallet+"/"+key]; dup {
					t.Errorf("payments %s and %s share the %s order key %s", other, p.ID, p.Wallet, key)
				}
				claimed[p.Wallet+"/"+key] = p.ID
				charge = &c
			}
		}
		if charge != nil && !charge.Voided {
			kept = charge.Amount - charge.Refunded
			given = charge.Refunded
			if live(*charge) {
				o.live = append(o.live, *charge)
			}
		}
		switch p.State {
		case store.Approved:
			if charge == nil || kept != p.Amount-p.RefundedAmount || given != p.RefundedAmount {
				t.Errorf("payment %s is approved (refunded %d) but the wallet holds %d and gave back %d (charge %+v)", p.ID, p.RefundedAmount, kept, given, charge)
			}
		case store.Declined, store.Cancelled, store.Expired, store.Voided, store.Reversed, store.Refunded:
			if kept != 0 {
				t.Errorf("payment %s is %s but the wallet still holds %d TWD of it", p.ID, p.State, kept)
			}
		default:
			t.Errorf("payment %s is not final: %s", p.ID, p.State)
		}
	}
	for key, c := range charges {
		if _, ok := claimed[key]; !ok {
			t.Errorf("the wallet charged order key %s, which no journaled payment holds: a request left before its payment was journaled (%+v)", key, c)
		}
	}
	for key, o := range orders {
		if len(o.live) > 1 {
			t.Errorf("order %s is charged %d times: %+v", key, len(o.live), o.live)
		}
		if len(o.approved) > 1 {
			t.Errorf("order %s has %d approved payments: %v", key, len(o.approved), o.approved)
		}
		if len(o.live) != len(o.approved) {
			t.Errorf("order %s has %d live charges and %d approved payments (%v): the journal and the wallets disagree", key, len(o.live), len(o.approved), o.approved)
		}
	}
}

func (r *rig) ledgers() map[string][]wallettest.Charge {
	out := map[string][]wallettest.Charge{}
	for name, s := range r.sims {
		out[name] = s.Ledger()
	}
	return out
}

func (r *rig) checkLedger() {
	r.t.Helper()
	all, err := r.j.Recent(100000)
	if err != nil {
		r.t.Fatal(err)
	}
	ledgerTruth(r.t, all, r.ledgers())
	// No full code in a log line, an event or anything the POS can read.
	r.mu.Lock()
	codes := slices.Clone(r.codes)
	r.mu.Unlock()
	r.noFullCodes(codes...)
	for _, p := range all {
		v, err := r.e.Payment(context.Background(), p.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		for _, c := range codes {
			if bytes.Contains(b, []byte(c)) {
				r.t.Errorf("payment %s shows a full code to the POS", p.ID)
			}
		}
		if p.State.Final() && p.FullCode != "" {
			r.t.Errorf("final payment %s still holds its full code in the journal", p.ID)
		}
	}
}

func (r *rig) noFullCodes(codes ...string) {
	r.t.Helper()
	logs := r.logs.String()
	r.mu.Lock()
	evs := fmt.Sprintf("%+v", r.events)
	r.mu.Unlock()
	for _, c := range codes {
		if c == "" {
			continue
		}
		if bytes.Contains([]byte(logs), []byte(c)) {
			r.t.Errorf("a full payment code reached the log")
		}
		if bytes.Contains([]byte(evs), []byte(c)) {
			r.t.Errorf("a full payment code reached an event")
		}
	}
}
