package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/daemon"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/logging"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/vscanner"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// Lane is the demo's POS terminal.
const Lane = "DEMO0001"

// Options for Run.
type Options struct {
	Out  io.Writer
	Dir  string // the data folder; "" = a temporary one, removed at the end unless Keep
	Keep bool
}

// ErrFailed is wrapped when a step's outcome was not what it should be.
var ErrFailed = errors.New("the demo saw an unexpected outcome")

type demo struct {
	out      io.Writer
	dir      string
	d        *daemon.Daemon
	cl       *posclient.Client
	sims     map[string]wallettest.Simulator
	scanner  *vscanner.Scanner
	network  *networkSwitch
	step     int
	checks   int
	failures []string
	codes    map[string]string // payment id → the full code scanned, to prove receipts never hold it
}

// Run plays the demo. It returns nil only if every check passed.
func Run(ctx context.Context, o Options) (err error) {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	x := &demo{out: o.Out, network: &networkSwitch{}, codes: map[string]string{}}
	x.dir = o.Dir
	if x.dir == "" {
		if x.dir, err = os.MkdirTemp("", "scanpay-demo-"); err != nil {
			return err
		}
		if !o.Keep {
			defer os.RemoveAll(x.dir)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	fmt.Fprintf(x.out, "scanpay demo: a payment service for store PCs, end to end, in SANDBOX mode.\n"+
		"Nothing is charged: the four wallets are simulators inside this process.\n")
	if err := x.start(ctx); err != nil {
		return err
	}
	defer func() {
		if x.scanner != nil {
			x.scanner.Close()
		}
		if serr := x.d.Stop(); serr != nil && err == nil {
			err = fmt.Errorf("stopping scanpay: %w", serr)
		}
	}()

	x.sale(ctx, "jkopay", "D-1001", 120, "JKOPay (街口支付)")
	x.sale(ctx, "easywallet", "D-1002", 250, "EasyWallet (悠遊付)")
	x.sale(ctx, "ipass", "D-1003", 99, "iPass Money (一卡通)")
	x.sale(ctx, "linepay", "D-1008", 160, "LINE Pay")
	x.networkOutage(ctx)
	x.serverError(ctx)
	x.lostAnswer(ctx)
	x.lostLinePayAnswer(ctx)
	x.reconcile(ctx)
	x.logIsClean()

	fmt.Fprintf(x.out, "\n")
	if len(x.failures) > 0 {
		fmt.Fprintf(x.out, "%d of %d checks FAILED:\n", len(x.failures), x.checks)
		for _, f := range x.failures {
			fmt.Fprintf(x.out, "  - %s\n", f)
		}
		fmt.Fprintf(x.out, "scanpay's log: %s\n", filepath.Join(x.dir, "scanpay.log"))
		return fmt.Errorf("%w: %s", ErrFailed, strings.Join(x.failures, "; "))
	}
	fmt.Fprintf(x.out, "All %d checks passed. Next: `scanpay run` (SANDBOX without a configuration),\n"+
		"packaging/scanpay.example.toml for a real store, docs/pos-integration.md for the POS side.\n", x.checks)
	if o.Keep || o.Dir != "" {
		fmt.Fprintf(x.out, "The journal, receipts and log are kept in %s\n", x.dir)
	}
	return nil
}

func (x *demo) title(title, explain string) {
	x.step++
	fmt.Fprintf(x.out, "\nStep %d. %s\n", x.step, title)
	for _, line := range strings.Split(strings.TrimSpace(explain), "\n") {
		fmt.Fprintf(x.out, "   %s\n", line)
	}
}

func (x *demo) say(format string, args ...any) {
	fmt.Fprintf(x.out, "   "+format+"\n", args...)
}

func (x *demo) check(ok bool, format string, args ...any) bool {
	x.checks++
	msg := fmt.Sprintf(format, args...)
	if ok {
		fmt.Fprintf(x.out, "   [ok]   %s\n", msg)
		return true
	}
	fmt.Fprintf(x.out, "   [FAIL] %s\n", msg)
	x.failures = append(x.failures, fmt.Sprintf("step %d: %s", x.step, msg))
	return false
}

func (x *demo) start(ctx context.Context) error {
	x.title("Start scanpay", `
scanpay runs here in SANDBOX mode: its journal (a bbolt file) goes into a
temporary folder, its four wallets are simulators on loopback ports, and a
pseudo-terminal stands in for a serial barcode scanner on lane `+Lane+`.
A file receipt hook writes one JSON receipt per outcome.`)
	cfg, err := config.Sandbox(x.dir)
	if err != nil {
		return err
	}
	cfg.API.Listen = "127.0.0.1:0" // never clash with a running scanpay
	cfg.Hooks = []hooks.Config{{Name: "receipts", Kind: hooks.KindFile, Dir: "receipts"}}
	vs, err := vscanner.Open()
	if err == nil {
		x.scanner = vs
		cfg.Scanners = []scanner.Config{{Kind: scanner.KindSerial, Name: "demo-scanner", Port: vs.Port(), Baud: 9600, TerminalID: Lane}}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	secrets := &logging.Secrets{}
	log, closer, err := logging.New(logging.Options{Config: logging.Config{File: filepath.Join(x.dir, "scanpay.log"), Level: "debug"}, Secrets: secrets, Sandbox: true})
	if err != nil {
		return err
	}
	go func() { <-ctx.Done(); closer.Close() }()
	x.d, err = daemon.Start(ctx, cfg, daemon.Options{
		Logger:     log,
		Secrets:    secrets,
		WalletDial: x.network.Dial,
		Engine: edge.Config{
			Retry:     edge.Backoff{Min: 200 * time.Millisecond, Max: time.Second},
			Resolve:   edge.Backoff{Min: 300 * time.Millisecond, Max: 2 * time.Second},
			HookRetry: edge.Backoff{Min: 200 * time.Millisecond, Max: time.Second},
			Poll:      200 * time.Millisecond,
		},
	})
	if err != nil {
		if x.scanner != nil {
			x.scanner.Close()
		}
		return fmt.Errorf("starting scanpay: %w", err)
	}
	x.sims = x.d.Simulators()
	x.cl = posclient.New(x.d.Addr(), x.d.Token())
	x.say("journal    %s", cfg.JournalPath())
	x.say("POS API    http://%s  (bearer token in %s)", x.d.Addr(), cfg.API.TokenFile)
	for _, name := range []string{"jkopay", "easywallet", "ipass", "linepay"} {
		x.say("%-10s simulator at %s", name, x.sims[name].URL())
	}
	x.say("receipts   %s", filepath.Join(x.dir, "receipts"))
	x.say("log        %s", filepath.Join(x.dir, "scanpay.log"))
	if x.scanner == nil {
		x.say("scanner    none: this OS has no pseudo-terminal, so scans go through POST /v1/scans")
		return nil
	}
	x.say("scanner    virtual serial scanner on %s, lane %s", x.scanner.Port(), Lane)
	deadline := time.Now().Add(15 * time.Second)
	for {
		devs, err := x.cl.Devices(ctx)
		if err == nil && len(devs) > 0 && devs[0].Connected {
			x.check(true, "scanpay opened the scanner (GET /v1/devices says connected)")
			return nil
		}
		if time.Now().After(deadline) {
			x.check(false, "scanpay did not open the virtual scanner within 15s: %v %+v", err, devs)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// scan sends a code as the scanner would (or through the API without one).
func (x *demo) scan(ctx context.Context, code string) {
	if x.scanner != nil {
		x.say("scanner   the cashier scans the customer's code %s", mask.Code(code))
		if err := x.scanner.Type(code); err != nil {
			x.check(false, "typing into the virtual scanner: %v", err)
		}
		return
	}
	x.say("POS    →  POST /v1/scans {terminal_id: %s, code: %s}", Lane, mask.Code(code))
	if _, err := x.cl.Scan(ctx, Lane, code); err != nil {
		x.check(false, "POST /v1/scans: %v", err)
	}
}

// checkout creates a payment, scans code and waits for the outcome.
func (x *demo) checkout(ctx context.Context, order string, amount int64, code string, wait time.Duration) (edge.PaymentView, bool) {
	x.say("POS    →  POST /v1/payments {terminal_id: %s, order_number: %s, amount: %d}", Lane, order, amount)
	v, ans, err := x.cl.CreatePayment(ctx, edge.CreateRequest{TerminalID: Lane, OrderNumber: order, Amount: amount, Description: "scanpay demo"}, 0)
	if !x.check(err == nil && v.State == store.AwaitingScan, "scanpay ← %d: payment %s is %s", ans.Status, short(v.ID), v.State) {
		x.say("(error: %v)", err)
		return v, false
	}
	x.check(ans.Sandbox && v.Sandbox, "the answer says SANDBOX (header Scanpay-Mode and \"sandbox\": true)")
	x.codes[v.ID] = code
	x.scan(ctx, code)
	x.say("POS    →  GET /v1/payments/%s?wait=… (long-poll until final)", short(v.ID))
	v, err = x.cl.WaitFinal(ctx, v.ID, wait)
	if err != nil {
		x.check(false, "waiting for payment %s: %v", short(v.ID), err)
		return v, false
	}
	return v, true
}

func (x *demo) sale(ctx context.Context, wallet, order string, amount int64, label string) {
	x.title(label+": amount first, then the scan", `
The POS rings up `+fmt.Sprint(amount)+` TWD and asks scanpay to collect it; the customer shows
the wallet's barcode; the scan names the wallet by its prefix and triggers
the payment, which is journaled before the request leaves for the wallet.`)
	code := x.sims[wallet].IssueCode()
	v, ok := x.checkout(ctx, order, amount, code, 30*time.Second)
	if !ok {
		return
	}
	x.check(v.State == store.Approved && v.Wallet == wallet, "scanpay ← approved by %s: transaction %s, paid %d TWD", v.Wallet, v.Answer.TransactionID, v.Answer.AmountPaid)
	x.receipt(ctx, v)
	x.ledgerAgrees(wallet, v, code)
}

// receipt waits for the file hook's receipt and shows it.
func (x *demo) receipt(ctx context.Context, v edge.PaymentView) {
	path := filepath.Join(x.dir, "receipts", v.ID+"-"+string(v.State)+".json")
	deadline := time.Now().Add(10 * time.Second)
	var data []byte
	var err error
	for {
		if data, err = os.ReadFile(path); err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !x.check(err == nil, "the receipt hook wrote %s", filepath.Base(path)) {
		return
	}
	var r struct {
		State   string `json:"state"`
		Payment struct {
			Amount     int64  `json:"amount"`
			MaskedCode string `json:"masked_code"`
			Wallet     string `json:"wallet"`
		} `json:"payment"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		x.check(false, "the receipt is not JSON: %v", err)
		return
	}
	x.say("receipt   state %s, %s, %d TWD, code %s", r.State, r.Payment.Wallet, r.Payment.Amount, r.Payment.MaskedCode)
	full := x.codes[v.ID]
	x.check(r.State == string(v.State) && full != "" && !strings.Contains(string(data), full), "the receipt matches the payment and holds the code only masked")
}

// ledgerAgrees compares the journal's answer with the simulated wallet's
// books: an approval is exactly one live charge of the amount; anything
// else is no live charge.
func (x *demo) ledgerAgrees(wallet string, v edge.PaymentView, code string) {
	var live, voided []wallettest.Charge
	for _, c := range x.sims[wallet].Ledger() {
		if c.MaskedCode != mask.Code(code) {
			continue
		}
		if c.Voided || c.Refunded >= c.Amount {
			voided = append(voided, c)
		} else {
			live = append(live, c)
		}
	}
	x.say("ledger    %s's books for %s: %d live charge(s), %d voided", wallet, mask.Code(code), len(live), len(voided))
	switch v.State {
	case store.Approved:
		x.check(len(live) == 1 && live[0].Amount == v.Amount, "journal says approved, the wallet charged %d TWD exactly once: they agree", v.Amount)
	default:
		x.check(len(live) == 0, "journal says %s, the wallet holds no live charge: they agree", v.State)
	}
}

// history shows a payment's journaled steps; repeats (a retry loop) are
// shown once with their count.
func (x *demo) history(v edge.PaymentView) {
	type step struct{ state, reason string }
	var order []step
	count := map[step]int{}
	for _, h := range v.History {
		s := step{string(h.State), h.Reason}
		if count[s] == 0 {
			order = append(order, s)
		}
		count[s]++
	}
	for _, s := range order {
		times := ""
		if n := count[s]; n > 1 {
			times = fmt.Sprintf(" (×%d)", n)
		}
		x.say("  history %-13s %s%s", s.state, s.reason, times)
	}
}

func (x *demo) networkOutage(ctx context.Context) {
	x.title("The network goes down in the middle of a sale", `
The store's line to the wallets fails: every connection is refused. A request
that provably never left the PC cannot have charged anyone, so scanpay keeps
the payment queued and resends it with backoff while the code is still valid.`)
	x.network.down.Store(true)
	x.say("network   down: connections to the wallets are refused")
	code := x.sims["easywallet"].IssueCode()
	x.say("POS    →  POST /v1/payments {terminal_id: %s, order_number: D-1004, amount: 300}", Lane)
	v, _, err := x.cl.CreatePayment(ctx, edge.CreateRequest{TerminalID: Lane, OrderNumber: "D-1004", Amount: 300, Description: "scanpay demo"}, 0)
	if !x.check(err == nil, "payment %s created", short(v.ID)) {
		x.network.down.Store(false)
		return
	}
	x.codes[v.ID] = code
	x.scan(ctx, code)
	time.Sleep(2500 * time.Millisecond)
	now, err := x.cl.Payment(ctx, v.ID, 0)
	x.check(err == nil && !now.Final, "2.5s later the payment is %s, not final, after %d attempt(s): nothing is lost and nothing is declined", now.State, now.Attempts)
	x.network.down.Store(false)
	x.say("network   back up")
	v, err = x.cl.WaitFinal(ctx, v.ID, 30*time.Second)
	if !x.check(err == nil && v.State == store.Approved, "scanpay ← %s after %d attempts: transaction %s", v.State, v.Attempts, v.Answer.TransactionID) {
		x.say("(error: %v)", err)
	}
	x.history(v)
	x.receipt(ctx, v)
	x.ledgerAgrees("easywallet", v, code)
}

func (x *demo) serverError(ctx context.Context) {
	x.title("The wallet answers HTTP 500", `
This time the request reached EasyWallet, which failed with a server error.
Money may have moved, so scanpay does not call it declined: the payment is
"unknown" and is settled by EasyWallet's own rule, resending the identical
order (retry_time + 1), which the wallet charges at most once.`)
	x.sims["easywallet"].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.ServerError})
	x.say("fault     the EasyWallet simulator will answer the next payment with HTTP 500")
	code := x.sims["easywallet"].IssueCode()
	v, ok := x.checkout(ctx, "D-1006", 420, code, 30*time.Second)
	if !ok {
		return
	}
	x.history(v)
	x.check(v.State == store.Approved, "scanpay ← %s after %d attempts: transaction %s", v.State, v.Attempts, v.Answer.TransactionID)
	x.receipt(ctx, v)
	x.ledgerAgrees("easywallet", v, code)
}

func (x *demo) lostAnswer(ctx context.Context) {
	x.title("The wallet takes the money, but its answer is lost", `
JKOPay charges the customer, then the connection breaks before the answer
arrives. scanpay does not know whether money moved, so the payment is
"unknown": never reported as declined. It settles it by JKOPay's own rule
(cancel the trade until JKOPay answers), and the POS learns the truth.`)
	code, v, sawUnknown, ok := x.chargeAndLoseAnswer(ctx, "jkopay", "JKOPay", "D-1007", 180)
	if !ok {
		return
	}
	x.check(sawUnknown && v.Final && v.State != store.Declined, "the outcome went through unknown and was settled to %s, never shown as declined", v.State)
	x.receipt(ctx, v)
	x.ledgerAgrees("jkopay", v, code)
	if v.State == store.Approved {
		return
	}
	x.title("The customer scans again", `
The first attempt ended with no money taken, so the POS asks again for the
same order. The earlier payment is final, so a new one is made.`)
	code = x.sims["jkopay"].IssueCode()
	v, ok = x.checkout(ctx, "D-1007", 180, code, 30*time.Second)
	if !ok {
		return
	}
	x.check(v.State == store.Approved, "scanpay ← %s: transaction %s", v.State, v.Answer.TransactionID)
	x.receipt(ctx, v)
	x.ledgerAgrees("jkopay", v, code)
}

// lostLinePayAnswer shows LINE Pay's own rule for a lost answer.
func (x *demo) lostLinePayAnswer(ctx context.Context) {
	x.title("LINE Pay takes the money, but its answer is lost", `
LINE Pay's rule after a timeout is to check the payment status by the
order id. scanpay never sends the payment again blind (LINE Pay would
refuse the order number as seen before, 1172); it asks the status check,
which finds the charge, and the POS learns it was paid, once.`)
	code, v, sawUnknown, ok := x.chargeAndLoseAnswer(ctx, "linepay", "LINE Pay", "D-1009", 230)
	if !ok {
		return
	}
	x.check(sawUnknown && v.State == store.Approved, "the outcome went through unknown and the status check settled it %s", v.State)
	x.receipt(ctx, v)
	x.ledgerAgrees("linepay", v, code)
}

// chargeAndLoseAnswer makes wallet's simulator charge the next payment and drop
// the connection before its answer, pays order through the POS API, and
// shows the payment's history: the code scanned, the final view, and
// whether the payment went through unknown on its way.
func (x *demo) chargeAndLoseAnswer(ctx context.Context, wallet, name, order string, amount int64) (code string, v edge.PaymentView, sawUnknown, ok bool) {
	x.sims[wallet].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	x.say("fault     the " + name + " simulator will charge the next payment, then drop the connection")
	code = x.sims[wallet].IssueCode()
	if v, ok = x.checkout(ctx, order, amount, code, 45*time.Second); !ok {
		return code, v, false, false
	}
	x.history(v)
	for _, h := range v.History {
		sawUnknown = sawUnknown || h.State == store.Unknown
	}
	return code, v, sawUnknown, true
}

// reconcile compares the whole journal with every ledger.
func (x *demo) reconcile(ctx context.Context) {
	x.title("Reconcile: the journal against the wallets' books", `
What scanpay told the POS must be what the wallets did: every approved
payment is one live charge, and no other charge is live.`)
	views, err := x.cl.Search(ctx, "", Lane, "")
	if !x.check(err == nil, "GET /v1/payments?terminal_id=%s: %d payments", Lane, len(views)) {
		return
	}
	var approved, approvedSum int64
	for _, v := range views {
		x.say("journal   %-8s %-10s %-12s %4d TWD  %s", v.OrderNumber, v.Wallet, v.MaskedCode, v.Amount, v.State)
		if v.State == store.Approved {
			approved++
			approvedSum += v.Amount
		}
	}
	var live, liveSum int64
	for _, name := range []string{"jkopay", "easywallet", "ipass", "linepay"} {
		for _, c := range x.sims[name].Ledger() {
			state := "charged"
			if c.Voided || c.Refunded >= c.Amount {
				state = "voided"
			} else {
				live++
				liveSum += c.Amount
			}
			x.say("ledger    %-10s %-12s %4d TWD  %s (%d request(s))", name, c.MaskedCode, c.Amount, state, c.Requests)
		}
	}
	x.check(approved == live && approvedSum == liveSum, "%d approved payments for %d TWD = %d live charges for %d TWD", approved, approvedSum, live, liveSum)
}

// logIsClean checks scanpay's own log: every line says SANDBOX, and no
// full payment code or the API token appears in it.
func (x *demo) logIsClean() {
	data, err := os.ReadFile(filepath.Join(x.dir, "scanpay.log"))
	if err != nil {
		x.check(false, "reading scanpay's log: %v", err)
		return
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	sandbox := 0
	for _, l := range lines {
		if strings.Contains(l, `"mode":"SANDBOX"`) {
			sandbox++
		}
	}
	leaked := strings.Contains(string(data), x.d.Token())
	for _, code := range x.codes {
		leaked = leaked || strings.Contains(string(data), code)
	}
	x.check(sandbox == len(lines) && !leaked, "scanpay's log: %d lines, %d say SANDBOX, no full code or token in any", len(lines), sandbox)
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// networkSwitch is the demo's network cable: when down, every new
// connection to a wallet is refused before a byte is sent.
type networkSwitch struct {
	down atomic.Bool
	d    net.Dialer
}

func (n *networkSwitch) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if n.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused (the demo cut the network)")}
	}
	return n.d.DialContext(ctx, network, addr)
}
