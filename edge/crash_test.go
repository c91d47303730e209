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
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

const (
	crashChildEnv = "SCANPAY_ENGINE_CRASH_CHILD"
	crashClockEnv = "SCANPAY_ENGINE_CRASH_CLOCK" // the wall clock's offset, ns
)

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
	if kills <= 0 {
		t.Fatalf("-crash.kills=%d: set it to a whole number of kills above zero, or leave it out for 300", kills)
	}
	if s := os.Getenv("SCANPAY_CRASH_KILLS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("SCANPAY_CRASH_KILLS=%q: set it to a whole number of kills above zero, or unset it for -crash.kills (%d)", s, kills)
		}
		kills = v
	}
	kills = crashPower.count(kills)
	dir := t.TempDir()
	setup := crashSetup{Journal: filepath.Join(crashPower.dir(dir), "journal.db"), Receipts: filepath.Join(crashPower.dir(dir), "receipts"), Wallets: map[string]string{}}
	// Disk faults: the journal on a small disk of its own that the harness
	// fills at random (needs root to mount), and the child under strace
	// with a random fdatasync failing (needs strace and ptrace). Not on the
	// power-cut disk, where the journal must stay and every kill already
	// loses what was not synced.
	disk, straceBin := "", ""
	if crashPower == nil {
		disk = crashDisk(t, dir)
		straceBin = crashStrace(t)
	}
	if disk != "" {
		setup.Journal = filepath.Join(disk, "journal.db")
	}
	sims := map[string]wallettest.Simulator{}
	// Wallet requests being served, by the child run that sent them: a
	// request of a killed child may take a moment to notice it is gone.
	var gen atomic.Int64
	var outMu sync.Mutex
	out := map[int64]int{}
	for _, name := range simNames {
		ttl := 5 * time.Minute
		if name == "linepay" {
			// LINE Pay settles a payment it never booked once the key's
			// lifetime is over: a shorter one lets the final run settle
			// within its 90 s.
			ttl = 20 * time.Second
		}
		s := newSim(t, name, wallettest.Options{CodeTTL: ttl, Logger: slog.New(slog.DiscardHandler)})
		sims[name] = s
		// The child reaches the simulator through this counting front, so
		// that a kill knows whether it cut a request that was out.
		h := s.Handler()
		front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g := gen.Load()
			outMu.Lock()
			out[g]++
			outMu.Unlock()
			defer func() {
				outMu.Lock()
				out[g]--
				outMu.Unlock()
			}()
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(front.Close)
		t.Cleanup(s.Close) // first: releases held requests, so front.Close need not wait
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(s.Config()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), s.URL()) {
			t.Fatalf("%s's config does not name its simulator's URL %s: cannot put the counting front before it", name, s.URL())
		}
		setup.Wallets[name] = strings.ReplaceAll(buf.String(), s.URL(), front.URL)
	}
	setupFile := filepath.Join(dir, "setup.json")
	b, _ := json.Marshal(setup)
	if err := os.WriteFile(setupFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	h := &crashParent{t: t, setupFile: setupFile, sims: sims, answers: map[string][]string{}, cancelled: map[string]bool{}, strace: straceBin,
		orderOf: map[string]string{}, orders: map[string]*crashOrder{}}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SCANPAY_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SCANPAY_CRASH_SEED=%q: set it to the seed a failed run printed, or unset it", s)
		}
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("crash harness: %d kills, SCANPAY_CRASH_SEED=%d", kills, seed)
	var st crashStats
	order := 0
	for k := 0; k < kills; k++ {
		gen.Store(int64(k))
		// The PC's clock moved while scanpay was stopped (by hours, by
		// years, either way), and sometimes a random fdatasync fails.
		if rng.IntN(8) == 0 {
			h.clock += clockJump(rng, h.clock)
			st.jumps++
		}
		h.fsyncFail = ""
		if straceBin != "" && rng.IntN(10) == 0 {
			h.fsyncFail = strconv.Itoa(1 + rng.IntN(12))
			st.fsync++
		}
		c := h.start()
		if rng.IntN(8) == 0 { // …or while it ran
			d := clockJump(rng, h.clock)
			h.clock += d
			c.send("jump %d", int64(d))
			st.jumps++
		}
		filler := ""
		if disk != "" && rng.IntN(10) == 0 {
			filler = fillDisk(t, disk)
			st.diskFull++
		}
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
		// The POS retries checkouts whose answer it lost when the child
		// died: the same lane and order, sometimes with a fresh code.
		for _, o := range h.unanswered(rng, 2) {
			h.retry(c, rng, o)
			st.retries++
		}
		charged := h.charges()
		var fresh []*crashOrder
		for range 1 + rng.IntN(3) {
			order++
			w := simNames[rng.IntN(len(simNames))]
			amount := int64(1 + rng.IntN(500))
			if rng.IntN(10) == 0 {
				amount = 928 // a decline
			}
			o := h.newOrder(crashLanes[rng.IntN(len(crashLanes))], fmt.Sprintf("K%d", order), amount)
			fresh = append(fresh, o)
			h.pay(c, o, w, sims[w].IssueCode(), []string{"barcode", "barcode", "scan"}[rng.IntN(3)])
		}
		// …and sometimes while the first payment is still out or unknown.
		if rng.IntN(3) == 0 {
			time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
			h.retry(c, rng, fresh[rng.IntN(len(fresh))])
			st.retries++
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
		afterCharge, afterJournal := false, false
		requestOut := func() bool {
			outMu.Lock()
			defer outMu.Unlock()
			return out[int64(k)] > 0
		}
		switch rng.IntN(4) {
		case 0: // at a random moment
			time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
		case 1: // while a wallet holds a request of this run
			deadline := time.Now().Add(400 * time.Millisecond)
			for !requestOut() && time.Now().Before(deadline) {
				time.Sleep(200 * time.Microsecond)
			}
			time.Sleep(time.Duration(rng.IntN(3)) * time.Millisecond)
		case 2: // right after a wallet charged, usually before its answer arrives
			deadline := time.Now().Add(400 * time.Millisecond)
			for h.charges() == charged && time.Now().Before(deadline) {
				time.Sleep(200 * time.Microsecond)
			}
			afterCharge = h.charges() != charged
		case 3: // right after the checkout was journaled
			afterJournal = c.waitLine("created", 400*time.Millisecond)
		}
		if filler != "" && rng.IntN(2) == 0 {
			os.Remove(filler) // the disk has room again before the kill
			time.Sleep(time.Duration(rng.IntN(50)) * time.Millisecond)
		}
		reqOut := requestOut()
		c.kill()
		if filler != "" {
			os.Remove(filler)
		}
		switch {
		case reqOut:
			st.reqOut++
		case afterCharge:
			st.afterCharge++
		case afterJournal:
			st.afterJournal++
		}
	}
	// A last, clean run lets everything settle.
	h.fsyncFail = ""
	c := h.start()
	c.send("settle")
	if !c.waitLine("settled", 90*time.Second) {
		c.kill()
		var stuck []string
		if j, err := store.Open(crashPower.off(t, setup.Journal), store.Options{Timeout: 5 * time.Second}); err == nil {
			ps, _ := j.Pending()
			for _, p := range ps[:min(len(ps), 10)] {
				var rs []string
				refunds, _ := j.Refunds(p.ID)
				for _, r := range refunds {
					rs = append(rs, fmt.Sprintf("%d %s", r.Amount, r.State))
				}
				var charges []wallettest.Charge
				for _, c := range sims[p.Wallet].Ledger() {
					if c.Key == p.WalletRef[orderRef[p.Wallet]] {
						charges = append(charges, c)
					}
				}
				stuck = append(stuck, fmt.Sprintf("%s %s %s amount %d refunded %d attempts %d answer %s %q; history %v; refunds %v; wallet's charge %+v; cancelled by the POS %v",
					p.ID, p.Wallet, p.State, p.Amount, p.RefundedAmount, p.Attempts, p.Answer.Code, p.Answer.Message, historyStates(viewOf(p)), rs, charges, h.cancelled[p.ID]))
			}
			j.Close()
		}
		t.Fatalf("the final run did not settle within 90s; still open:\n%s\nchild stderr:\n%s", strings.Join(stuck, "\n"), c.stderrTail())
	}
	c.wait()

	j := openJournal(t, crashPower.off(t, setup.Journal))
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
	refunds := map[string][]store.Refund{}
	nRefunds := 0
	for _, p := range all {
		rs, err := j.Refunds(p.ID)
		if err != nil {
			t.Fatal(err)
		}
		refunds[p.ID] = rs
		nRefunds += len(rs)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	approvals := 0
	for id, answers := range h.answers {
		p, ok := byID[id]
		if !ok {
			t.Errorf("the POS was told about payment %s, which the journal does not have", id)
			continue
		}
		if slices.Contains(answers, string(store.Approved)) {
			approvals++
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
	// A retried order is still one order: every payment the child was
	// handed back for it belongs to it.
	for id, key := range h.orderOf {
		if p, ok := byID[id]; ok && p.TerminalID+"/"+p.OrderNumber != key {
			t.Errorf("the POS asked for order %s and was answered with payment %s of %s/%s", key, id, p.TerminalID, p.OrderNumber)
		}
	}
	if d, _ := j.PendingDeliveries(); len(d) > 0 {
		t.Errorf("%d receipts never delivered", len(d))
	}
	receipts := receiptTruth(t, crashPower.off(t, setup.Receipts), all, refunds, h.codes)

	ordersPaid := map[string]int{}
	for _, p := range all {
		ordersPaid[p.TerminalID+"/"+p.OrderNumber]++
	}
	retried := 0
	for _, n := range ordersPaid {
		if n > 1 {
			retried++
		}
	}
	t.Logf("%d kills: %d with a wallet request out, %d right after a charge, %d right after a checkout was journaled", kills, st.reqOut, st.afterCharge, st.afterJournal)
	t.Logf("faults: %d clock jumps (the clock ended %s off), %d runs with a full disk (%d checkouts answered unavailable), %d runs with an fdatasync failing (%d left the journal suspect)",
		st.jumps, time.Duration(h.clock), st.diskFull, h.unavailable, st.fsync, h.suspect)
	t.Logf("%d orders, %d POS retries; checkouts answered with a new payment %d, with the order's existing payment %d; %d orders with more than one payment",
		len(h.orders), st.retries, h.newAnswers, h.sameAnswers, retried)
	t.Logf("%d payments, %d refunds, %d receipts, %d payments with a final answer to the POS (%d approved); final states %v",
		len(all), nRefunds, receipts, len(h.answers), approvals, states)

	// Vacuity guards: a run whose kills all land on an idle child, or whose
	// payments never get anywhere, proves nothing. Healthy 300-kill runs on
	// 2 cores with -race land ~70% of kills at one of the three aimed-at
	// moments (~45% with a request out or right after a charge), approve
	// over 200 payments, tell the POS ~500 final answers and answer ~240
	// retries with the order's existing payment; the thresholds are a safe
	// fraction of that, scaled to the number of kills.
	if kills >= 50 {
		if hot := st.reqOut + st.afterCharge + st.afterJournal; hot*2 < kills {
			t.Errorf("only %d of %d kills landed while a wallet request was out, right after a charge or right after a checkout was journaled (want at least half): the kills mostly missed the dangerous moments", hot, kills)
		}
		if money := st.reqOut + st.afterCharge; money*4 < kills {
			t.Errorf("only %d of %d kills landed while a wallet request was out or right after a charge (want at least a quarter)", money, kills)
		}
		if approvals < kills/6 {
			t.Errorf("only %d payments were answered approved in %d kills (want at least %d): the workload barely got through", approvals, kills, kills/6)
		}
		if len(h.answers) < kills/3 {
			t.Errorf("only %d payments had a final answer reach the POS in %d kills (want at least %d)", len(h.answers), kills, kills/3)
		}
		if st.jumps < kills/20 {
			t.Errorf("only %d clock jumps in %d kills (want at least %d)", st.jumps, kills, kills/20)
		}
		if disk != "" && h.unavailable == 0 {
			t.Errorf("%d runs filled the journal's disk, but no checkout was ever answered unavailable: the disk faults did not bite", st.diskFull)
		}
		if straceBin != "" && st.fsync < kills/30 {
			t.Errorf("only %d runs had an fdatasync fail in %d kills (want at least %d)", st.fsync, kills, kills/30)
		}
		if h.sameAnswers < kills/6 {
			t.Errorf("only %d POS retries were answered with the order's existing payment (want at least %d): the double-charge route was barely exercised", h.sameAnswers, kills/6)
		}
	}
}

// receiptTruth checks the file hook's folder after the final run: every
// hooked state a payment went through has its receipt (named for the
// payment and state, so written once however often it was delivered),
// every succeeded refund has its own, nothing else is there, and no
// receipt holds a full code. It returns how many receipts it checked.
func receiptTruth(t *testing.T, folder string, all []store.Payment, refunds map[string][]store.Refund, codes []string) int {
	t.Helper()
	hooked := func(s store.State) bool { return slices.Contains(hooks.DefaultOn, s) }
	want := map[string]hooks.Receipt{}
	for _, p := range all {
		for _, c := range p.History {
			// A refund's receipt is named for the refund, not the state.
			if hooked(c.State) && c.State != store.Refunded {
				r := hooks.Receipt{PaymentID: p.ID, State: c.State}
				want[hooks.FileName(r)] = r
			}
		}
		for _, rf := range refunds[p.ID] {
			if rf.State == store.RefundSucceeded && hooked(store.Refunded) {
				r := hooks.Receipt{PaymentID: p.ID, RefundID: rf.ID, State: store.Refunded}
				want[hooks.FileName(r)] = r
			}
		}
	}
	entries, err := os.ReadDir(folder)
	if err != nil && len(want) > 0 {
		t.Fatalf("receipt folder: %v", err)
	}
	got, partial := map[string]bool{}, 0
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp") {
			partial++ // a write the kill cut before its rename: never a receipt
			continue
		}
		got[name] = true
		b, err := os.ReadFile(filepath.Join(folder, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if bytes.Contains(b, []byte(c)) {
				t.Errorf("receipt %s holds a full payment code", name)
			}
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("receipt %s is for no hooked state any journaled payment went through", name)
			continue
		}
		var r hooks.Receipt
		if err := json.Unmarshal(b, &r); err != nil {
			t.Errorf("receipt %s is not a whole receipt: %v", name, err)
			continue
		}
		if r.PaymentID != w.PaymentID || r.State != w.State || r.RefundID != w.RefundID {
			t.Errorf("receipt %s is for payment %s state %s refund %q", name, r.PaymentID, r.State, r.RefundID)
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("receipt %s was never written", name)
		}
	}
	if partial > 0 {
		t.Logf("%d partial receipt writes cut by kills (temporary files, never renamed into place)", partial)
	}
	return len(got)
}

type crashStats struct {
	reqOut, afterCharge, afterJournal int
	retries                           int
	jumps, diskFull, fsync            int
}

// clockJump picks a jump of the PC's wall clock from cur: minutes, hours
// or years, either way (back toward zero once it is far off).
func clockJump(rng *rand.Rand, cur time.Duration) time.Duration {
	d := []time.Duration{90 * time.Second, 2 * time.Hour, 26 * time.Hour, 3 * 365 * 24 * time.Hour}[rng.IntN(4)]
	back := rng.IntN(2) == 0
	if cur > 10*365*24*time.Hour {
		back = true
	} else if cur < -10*365*24*time.Hour {
		back = false
	}
	if back {
		return -d
	}
	return d
}

// crashOrder is one POS checkout (lane + order number), however often the
// POS sends it.
type crashOrder struct {
	lane, number string
	amount       int64
	wallet       string
	code         string
	sends        int
}

func (o *crashOrder) key() string { return o.lane + "/" + o.number }

func viewOf(p store.Payment) PaymentView { return PaymentView{History: p.History} }

type crashParent struct {
	t         *testing.T
	setupFile string
	sims      map[string]wallettest.Simulator

	mu          sync.Mutex
	answers     map[string][]string // payment id → final states the child reported
	created     []string
	cancelled   map[string]bool
	codes       []string               // every code handed to the child
	orders      map[string]*crashOrder // lane/order → the checkout
	orderOf     map[string]string      // payment id → the lane/order it was answered for
	sameAnswers int                    // checkouts answered with an existing payment
	newAnswers  int                    // checkouts answered with a new payment
	unavailable int                    // checkouts answered unavailable (a disk fault)
	suspect     int                    // runs whose journal turned suspect

	clock     time.Duration // the PC's wall clock, off by this
	strace    string        // strace's path, "" when it cannot run here
	fsyncFail string        // the next child's fdatasync to fail (strace's when=), "" for none
}

func (h *crashParent) newOrder(lane, number string, amount int64) *crashOrder {
	h.mu.Lock()
	defer h.mu.Unlock()
	o := &crashOrder{lane: lane, number: number, amount: amount}
	h.orders[o.key()] = o
	return o
}

// pay sends the checkout of o with code (of wallet w), as a POS does.
func (h *crashParent) pay(c *crashChild, o *crashOrder, w, code, mode string) {
	h.mu.Lock()
	o.wallet, o.code = w, code
	o.sends++
	h.codes = append(h.codes, code)
	h.mu.Unlock()
	c.send("pay %s %s %d %s %s", o.lane, o.number, o.amount, code, mode)
}

// retry sends o again: the same lane, order and amount, with the code it
// had (a POS resending its request) or a fresh one (the customer showed
// the phone again, maybe another wallet's).
func (h *crashParent) retry(c *crashChild, rng *rand.Rand, o *crashOrder) {
	h.mu.Lock()
	w, code := o.wallet, o.code
	h.mu.Unlock()
	switch rng.IntN(4) {
	case 0: // the same code
	case 1: // another wallet
		w = simNames[rng.IntN(len(simNames))]
		code = h.sims[w].IssueCode()
	default: // a fresh code of the same wallet
		code = h.sims[w].IssueCode()
	}
	h.pay(c, o, w, code, []string{"barcode", "barcode", "scan"}[rng.IntN(3)])
}

// unanswered picks up to n orders whose final answer the POS has not seen
// (the child died first, or the payment is still out), each sent at most
// four times.
func (h *crashParent) unanswered(rng *rand.Rand, n int) []*crashOrder {
	h.mu.Lock()
	defer h.mu.Unlock()
	answered := map[string]bool{}
	for id := range h.answers {
		answered[h.orderOf[id]] = true
	}
	var open []*crashOrder
	for key, o := range h.orders {
		if !answered[key] && o.sends < 4 {
			open = append(open, o)
		}
	}
	slices.SortFunc(open, func(a, b *crashOrder) int { return strings.Compare(a.key(), b.key()) })
	rng.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })
	return open[:min(n, len(open))]
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
	args := []string{os.Args[0], "-test.run=^TestEngineCrashChild$", "-test.count=1"}
	if h.fsyncFail != "" {
		args = append([]string{h.strace, "-f", "-qq", "-o", os.DevNull, "-e", "trace=fdatasync",
			"-e", "inject=fdatasync:error=EIO:when=" + h.fsyncFail}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), crashChildEnv+"="+h.setupFile, fmt.Sprintf("%s=%d", crashClockEnv, int64(h.clock)))
	ownGroup(cmd)
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
			case "error": // error <lane> <order> <code>
				if len(f) == 5 && f[4] == ErrUnavailable {
					h.unavailable++
				}
			case "suspect":
				h.suspect++
			case "suspect-took-payment":
				h.t.Errorf("payment %s was taken while the journal was suspect", f[2])
			case "created": // created <id> <state> <lane> <order> <new|same>
				h.created = append(h.created, f[2])
				if len(f) == 7 {
					h.orderOf[f[2]] = f[4] + "/" + f[5]
					if f[6] == "same" {
						h.sameAnswers++
					} else {
						h.newAnswers++
					}
				}
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
	crashPower.freeze()
	killGroup(c.cmd) // the child, and strace when it runs under it
	crashPower.cut(c.h.t)
	c.wait()
	crashPower.on(c.h.t)
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
	clk := &jumpClock{}
	if n, err := strconv.ParseInt(os.Getenv(crashClockEnv), 10, 64); err == nil {
		clk.off.Store(n)
	}
	var j *store.Journal
	for try := 0; ; try++ {
		// Under strace, the fdatasync that fails may be one of Open's.
		if j, err = store.Open(setup.Journal, store.Options{Timeout: 10 * time.Second, Now: clk.now}); err == nil || try == 5 {
			break
		}
	}
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
		ScanTimeout: time.Second, ScanHold: 200 * time.Millisecond, Logger: log, Workers: 4, Clock: clk,
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
	var suspect sync.Once
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
			wasSuspect := j.Suspect() != nil
			v, created, err := e.CreatePayment(ctx, req)
			if wasSuspect && created {
				say("suspect-took-payment %s", v.ID)
			}
			if j.Suspect() != nil {
				suspect.Do(func() { say("suspect") })
			}
			if err != nil {
				say("error %s %s %s", f[1], f[2], ErrorCode(err))
				continue
			}
			how := "same"
			if created {
				how = "new"
			}
			say("created %s %s %s %s %s", v.ID, v.State, f[1], f[2], how)
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
		case len(f) == 2 && f[0] == "jump":
			d, _ := strconv.ParseInt(f[1], 10, 64)
			clk.jump(time.Duration(d))
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
