package edge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

var crashKills = flag.Int("crash.kills", 300, "SIGKILLs of the engine child in TestEngineCrash (env SCANPAY_CRASH_KILLS also sets it)")

const crashChildEnv = "SCANPAY_ENGINE_CRASH_CHILD"

// crashSetup is what the parent hands the child: where the journal is and
// how to reach the parent's simulators (each wallet's config as TOML, the
// way cmd/scanpay reads it).
type crashSetup struct {
	Journal  string            `json:"journal"`
	Receipts string            `json:"receipts"`
	Wallets  map[string]string `json:"wallets"`
}

var crashLanes = []string{"L1", "L2", "L3", "L4"}

// TestEngineCrash runs the engine in a child process with payments flowing
// on several lanes, SIGKILLs it at random points (while a simulator holds
// a request, right after a simulator charged, right after a checkout was
// journaled…), restarts it on the same journal, and finally lets it settle.
// The simulators run here, in the parent, so their books survive every
// kill; at the end the journal must agree with them, every payment must be
// final, and every final answer the child gave its "POS" must be true.
func TestEngineCrash(t *testing.T) {
	kills := *crashKills
	if s := os.Getenv("SCANPAY_CRASH_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	setup := crashSetup{Journal: filepath.Join(dir, "journal.db"), Receipts: filepath.Join(dir, "receipts"), Wallets: map[string]string{}}
	sims := map[string]wallettest.Simulator{}
	for _, name := range simNames {
		s := newSim(t, name, wallettest.Options{CodeTTL: 5 * time.Minute, Logger: slog.New(slog.DiscardHandler)})
		t.Cleanup(s.Close)
		sims[name] = s
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(s.Config()); err != nil {
			t.Fatal(err)
		}
		setup.Wallets[name] = buf.String()
	}
	setupFile := filepath.Join(dir, "setup.json")
	b, _ := json.Marshal(setup)
	if err := os.WriteFile(setupFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	h := &crashParent{t: t, setupFile: setupFile, sims: sims, answers: map[string][]string{}, cancelled: map[string]bool{}}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SCANPAY_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("crash harness: %d kills, SCANPAY_CRASH_SEED=%d", kills, seed)
	order := 0
	for k := 0; k < kills; k++ {
		c := h.start()
		// Misbehaving wallets: faults for the next requests.
		for range rng.IntN(3) {
			w := simNames[rng.IntN(len(simNames))]
			f := allFaults[rng.IntN(len(allFaults))]
			if f.Kind == wallettest.Delay {
				f.Delay = time.Duration(rng.IntN(300)) * time.Millisecond
			}
			call := []string{wallettest.CallPay, wallettest.CallPay, resolveCall[w], wallettest.CallAny}[rng.IntN(4)]
			sims[w].Inject(call, f)
		}
		charged := h.charges()
		for range 1 + rng.IntN(3) {
			order++
			w := simNames[rng.IntN(len(simNames))]
			amount := int64(1 + rng.IntN(500))
			if rng.IntN(10) == 0 {
				amount = 928 // a decline
			}
			mode := []string{"barcode", "barcode", "scan"}[rng.IntN(3)]
			code := sims[w].IssueCode()
			h.codes = append(h.codes, code)
			c.send("pay %s K%d %d %s %s", crashLanes[rng.IntN(len(crashLanes))], order, amount, code, mode)
		}
		if ids := h.pick(rng); len(ids) > 0 && rng.IntN(4) == 0 {
			id := ids[rng.IntN(len(ids))]
			h.mu.Lock()
			h.cancelled[id] = true
			h.mu.Unlock()
			c.send("cancel %s", id)
		}
		if ids := h.approvedIDs(); len(ids) > 0 && rng.IntN(3) == 0 {
			c.send("refund %s %d", ids[rng.IntN(len(ids))], rng.IntN(3)*10) // 0 = all that remains
		}
		switch rng.IntN(3) {
		case 0: // at a random moment
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		case 1: // right after a wallet charged, usually before its answer arrives
			deadline := time.Now().Add(400 * time.Millisecond)
			for h.charges() == charged && time.Now().Before(deadline) {
				time.Sleep(200 * time.Microsecond)
			}
		case 2: // right after the checkout was journaled
			c.waitLine("created", 400*time.Millisecond)
		}
		c.kill()
	}
	// A last, clean run lets everything settle.
	c := h.start()
	c.send("settle")
	if !c.waitLine("settled", 90*time.Second) {
		c.kill()
		t.Fatalf("the final run did not settle within 90s; child stderr:\n%s", c.stderrTail())
	}
	c.wait()

	j := openJournal(t, setup.Journal)
	defer j.Close()
	if err := j.Check(); err != nil {
		t.Fatalf("journal check: %v", err)
	}
	all, err := j.Recent(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	ledgers := map[string][]wallettest.Charge{}
	for name, s := range sims {
		ledgers[name] = s.Ledger()
	}
	ledgerTruth(t, all, ledgers)
	byID := map[string]store.Payment{}
	states := map[store.State]int{}
	for _, p := range all {
		byID[p.ID] = p
		states[p.State]++
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, answers := range h.answers {
		p, ok := byID[id]
		if !ok {
			t.Errorf("the POS was told about payment %s, which the journal does not have", id)
			continue
		}
		for _, a := range answers {
			told := store.State(a)
			switch {
			case !slices.Contains(historyStates(viewOf(p)), told):
				t.Errorf("payment %s: the POS was told %s, which it never was (history %v)", id, told, historyStates(viewOf(p)))
			case told == store.Approved && p.State != store.Approved && !(h.cancelled[id] && p.State == store.Reversed) && p.State != store.Refunded:
				// Approved may move on only by the POS's own cancel or refund.
				t.Errorf("payment %s: the POS was told approved, but it ended %s without being cancelled", id, p.State)
			case told != store.Approved && p.State != told:
				t.Errorf("payment %s: the POS was told %s, but it ended %s", id, told, p.State)
			}
		}
	}
	if d, _ := j.PendingDeliveries(); len(d) > 0 {
		t.Errorf("%d receipts never delivered", len(d))
	}
	refunds := 0
	for _, p := range all {
		rs, _ := j.Refunds(p.ID)
		refunds += len(rs)
	}
	t.Logf("%d kills, %d payments, %d refunds, %d final answers to the POS; final states %v", kills, len(all), refunds, len(h.answers), states)
}

func viewOf(p store.Payment) PaymentView { return PaymentView{History: p.History} }

type crashParent struct {
	t         *testing.T
	setupFile string
	sims      map[string]wallettest.Simulator

	mu        sync.Mutex
	answers   map[string][]string // payment id → final states the child reported
	created   []string
	cancelled map[string]bool
	codes     []string // every code handed to the child
}

func (h *crashParent) charges() int {
	n := 0
	for _, s := range h.sims {
		n += len(s.Ledger())
	}
	return n
}

func (h *crashParent) createdIDs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.created)
}

// approvedIDs are the payments the child reported approved.
func (h *crashParent) approvedIDs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ids []string
	for id, a := range h.answers {
		if slices.Contains(a, string(store.Approved)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// pick offers cancel targets: approved payments (to be given back) or the
// newest checkouts (likely still open, maybe with a request out).
func (h *crashParent) pick(rng *rand.Rand) []string {
	if rng.IntN(2) == 0 {
		return h.approvedIDs()
	}
	ids := h.createdIDs()
	return ids[max(0, len(ids)-3):]
}

type crashChild struct {
	h      *crashParent
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *syncBuffer
	exited chan struct{}
}

func (h *crashParent) start() *crashChild {
	h.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestEngineCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+h.setupFile)
	c := &crashChild{h: h, cmd: cmd, lines: make(chan string, 1024), stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		h.t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	go func() {
		defer close(c.exited)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "CRASH" {
				continue
			}
			h.mu.Lock()
			switch f[1] {
			case "final":
				h.answers[f[2]] = append(h.answers[f[2]], f[3])
			case "created":
				h.created = append(h.created, f[2])
			}
			h.mu.Unlock()
			select {
			case c.lines <- f[1]:
			default:
			}
		}
	}()
	if !c.waitLine("ready", 30*time.Second) {
		c.kill()
		h.t.Fatalf("child did not start; stderr:\n%s", c.stderrTail())
	}
	return c
}

func (c *crashChild) send(format string, args ...any) {
	fmt.Fprintf(c.stdin, format+"\n", args...)
}

func (c *crashChild) waitLine(kind string, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case l := <-c.lines:
			if l == kind {
				return true
			}
		case <-c.exited:
			return false
		case <-t.C:
			return false
		}
	}
}

func (c *crashChild) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.wait()
}

func (c *crashChild) wait() {
	c.stdin.Close()
	<-c.exited
	c.cmd.Wait()
	logs := c.stderr.String()
	for _, code := range c.h.codes {
		if strings.Contains(logs, code) {
			c.h.t.Errorf("a full payment code reached the engine's log")
			return
		}
	}
}

func (c *crashChild) stderrTail() string {
	s := c.stderr.String()
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return s
}

// TestEngineCrashChild is the child side of TestEngineCrash; in a normal
// test run (without its environment variable) it has nothing to do.
func TestEngineCrashChild(t *testing.T) {
	setupFile := os.Getenv(crashChildEnv)
	if setupFile == "" {
		return
	}
	b, err := os.ReadFile(setupFile)
	if err != nil {
		t.Fatal(err)
	}
	var setup crashSetup
	if err := json.Unmarshal(b, &setup); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	wallets := map[string]WalletSetup{}
	for name, conf := range setup.Wallets {
		d, ok := providers.Lookup(name)
		if !ok {
			t.Fatalf("wallet %s is not registered", name)
		}
		cfg := d.NewConfig()
		if _, err := toml.Decode(conf, cfg); err != nil {
			t.Fatal(err)
		}
		env := providers.Env{Logger: log}
		if err := cfg.Provision(env); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		w, err := cfg.Open(env)
		if err != nil {
			t.Fatal(err)
		}
		lim := cfg.Limits()
		lim.Timeout = 400 * time.Millisecond
		wallets[name] = WalletSetup{Wallet: w, Limits: lim}
	}
	j, err := store.Open(setup.Journal, store.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	receipts, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: setup.Receipts}, "")
	if err != nil {
		t.Fatal(err)
	}
	cls, _ := providers.NewClassifier(providers.DefaultRules())
	e, err := New(fastPacing(Config{
		Journal: j, Wallets: wallets, Classifier: cls, Lanes: crashLanes, Hooks: []hooks.Hook{receipts},
		ScanTimeout: time.Second, ScanHold: 200 * time.Millisecond, Logger: log, Workers: 4,
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	var outMu sync.Mutex
	say := func(format string, args ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(os.Stdout, "CRASH "+format+"\n", args...)
	}
	// Every payment still open from earlier runs gets a waiter too, as a
	// POS polling for its answer would.
	watch := func(id string) {
		go func() {
			v, err := e.Wait(ctx, id, time.Minute)
			if err == nil && v.Final {
				say("final %s %s", id, v.State)
			}
		}()
	}
	if open, err := j.Pending(); err == nil {
		for _, p := range open {
			watch(p.ID)
		}
	}
	say("ready")
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 6 && f[0] == "pay":
			amount, _ := strconv.ParseInt(f[3], 10, 64)
			req := CreateRequest{TerminalID: f[1], OrderNumber: f[2], Amount: amount}
			if f[5] == "barcode" {
				req.Barcode = f[4]
			}
			v, _, err := e.CreatePayment(ctx, req)
			if err != nil {
				say("error %s", ErrorCode(err))
				continue
			}
			say("created %s %s", v.ID, v.State)
			watch(v.ID)
			if f[5] == "scan" {
				e.Scan(ctx, scanner.Scan{Lane: f[1], Code: f[4], Device: "crash"})
			}
		case len(f) == 2 && f[0] == "cancel":
			v, err := e.Cancel(ctx, f[1])
			if err == nil {
				say("cancel-answer %s %s", v.ID, v.State)
				if v.Final {
					say("final %s %s", v.ID, v.State)
				}
			}
		case len(f) == 3 && f[0] == "refund":
			amount, _ := strconv.ParseInt(f[2], 10, 64)
			go e.Refund(ctx, f[1], amount) // refused unless approved; the journal tells the rest
		case len(f) == 1 && f[0] == "settle":
			for {
				p, _ := j.Pending()
				r, _ := j.PendingRefunds()
				d, _ := j.PendingDeliveries()
				if len(p)+len(r)+len(d) == 0 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			<-done
			j.Close()
			say("settled")
			return
		}
	}
	// stdin closed: the parent is about to kill us; wait for it.
	select {}
}
