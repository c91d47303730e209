package edge

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// visited collects every state some scenario reached, for the coverage
// check at the end of TestStateMachine.
type visited struct {
	mu sync.Mutex
	s  map[store.State]bool
}

func (v *visited) add(p PaymentView) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, c := range p.History {
		v.s[c.State] = true
	}
}

// TestStateMachine drives every path of DESIGN.md's machine against each
// wallet's simulator and checks the journal against the simulator's books.
// It ends by asserting that every store.State was reached.
func TestStateMachine(t *testing.T) {
	seen := &visited{s: map[store.State]bool{}}
	scenarios := []struct {
		name string
		opts rigOpts
		run  func(t *testing.T, r *rig, wallet string) PaymentView
		want []store.State // acceptable final states
		path []store.State // states the history must contain
	}{
		{name: "approved", run: func(t *testing.T, r *rig, w string) PaymentView {
			return r.wait(r.pay("L1", "A-1", 100, w).ID)
		}, want: []store.State{store.Approved}, path: []store.State{store.AwaitingScan, store.Queued, store.InFlight, store.Approved}},
		{name: "declined", run: func(t *testing.T, r *rig, w string) PaymentView {
			v := r.wait(r.pay("L1", "D-1", 928, w).ID) // the simulators' "insufficient balance" amount
			if !v.Answer.RetryScan {
				t.Errorf("insufficient balance should invite a new scan: %+v", v.Answer)
			}
			return v
		}, want: []store.State{store.Declined}},
		{name: "cancelled before scan", run: func(t *testing.T, r *rig, w string) PaymentView {
			v, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "C-1", Amount: 50})
			if err != nil {
				t.Fatal(err)
			}
			v, err = r.e.Cancel(context.Background(), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The lane is free again: the next scan is held, not charged.
			res, err := r.e.Scan(context.Background(), scanner.Scan{Lane: "L1", Code: r.sims[w].IssueCode()})
			if err != nil || res.Kind != "held" {
				t.Errorf("scan after cancel = %+v, %v; want held", res, err)
			}
			return v
		}, want: []store.State{store.Cancelled}},
		{name: "no scan in time", opts: rigOpts{scanAfter: 50 * time.Millisecond}, run: func(t *testing.T, r *rig, w string) PaymentView {
			v, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "T-1", Amount: 50})
			if err != nil {
				t.Fatal(err)
			}
			return r.wait(v.ID)
		}, want: []store.State{store.Cancelled}},
		{name: "wallet unreachable until the code expires", opts: rigOpts{codeTTL: 300 * time.Millisecond}, run: func(t *testing.T, r *rig, w string) PaymentView {
			r.sims[w].Close() // connection refused: provably never sent
			v := r.wait(r.pay("L1", "E-1", 100, w).ID)
			if v.Attempts < 2 {
				t.Errorf("only %d attempts: the engine should retry inside the code's lifetime", v.Attempts)
			}
			return v
		}, want: []store.State{store.Expired}, path: []store.State{store.InFlight, store.Queued, store.Expired}},
		{name: "answer lost after charge", run: func(t *testing.T, r *rig, w string) PaymentView {
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			return r.wait(r.pay("L1", "U-1", 100, w).ID)
		}, want: []store.State{store.Approved, store.Voided}, path: []store.State{store.Unknown}},
		{name: "POS cancels while the request is out", run: func(t *testing.T, r *rig, w string) PaymentView {
			r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Delay, Delay: 300 * time.Millisecond})
			v := r.pay("L1", "R-1", 100, w)
			r.waitState(v.ID, store.InFlight)
			c, err := r.e.Cancel(context.Background(), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.State != store.InFlight {
				t.Errorf("Cancel answered %s; the honest answer is in_flight", c.State)
			}
			return r.wait(v.ID)
		}, want: []store.State{store.Reversed}, path: []store.State{store.Reversing, store.Reversed}},
		{name: "POS cancels after approval", run: func(t *testing.T, r *rig, w string) PaymentView {
			v := r.wait(r.pay("L1", "V-1", 100, w).ID)
			if _, err := r.e.Cancel(context.Background(), v.ID); err != nil {
				t.Fatal(err)
			}
			return r.waitState(v.ID, store.Reversed)
		}, want: []store.State{store.Reversed}, path: []store.State{store.Approved, store.Reversing, store.Reversed}},
		{name: "refunded in full", run: func(t *testing.T, r *rig, w string) PaymentView {
			v := r.wait(r.pay("L1", "F-1", 100, w).ID)
			rf, err := r.e.Refund(context.Background(), v.ID, 0)
			if err != nil || rf.State != store.RefundSucceeded || rf.Amount != 100 {
				t.Fatalf("Refund = %+v, %v", rf, err)
			}
			v, _ = r.e.Payment(context.Background(), v.ID)
			return v
		}, want: []store.State{store.Refunded}},
	}
	for _, sc := range scenarios {
		for _, w := range simNames {
			t.Run(sc.name+"/"+w, func(t *testing.T) {
				t.Parallel()
				o := sc.opts
				o.wallets = []string{w}
				r := newRig(t, o)
				v := sc.run(t, r, w)
				seen.add(v)
				if !slices.Contains(sc.want, v.State) {
					t.Fatalf("ended %s, want one of %v; history %+v", v.State, sc.want, v.History)
				}
				for _, s := range sc.path {
					if !slices.Contains(historyStates(v), s) {
						t.Errorf("history %v lacks %s", historyStates(v), s)
					}
				}
				r.settle()
				r.checkLedger()
			})
		}
	}
	t.Run("in_flight at start (crash mid-request)", func(t *testing.T) {
		t.Parallel()
		for _, w := range simNames {
			v := crashedInFlight(t, w)
			seen.add(v)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		for _, s := range store.States {
			if !seen.s[s] {
				t.Errorf("no scenario reached state %s: add one", s)
			}
		}
	})
}

// crashedInFlight leaves a payment in_flight in the journal, as a crash
// right after the write-ahead commit would, and starts an engine on it.
func crashedInFlight(t *testing.T, w string) PaymentView {
	path := filepath.Join(t.TempDir(), "j.db")
	r := newRig(t, rigOpts{wallets: []string{w}, path: path, noRun: true})
	v, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "X-1", Amount: 100, Barcode: r.sims[w].IssueCode()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.j.Transition(v.ID, store.Transition{From: []store.State{store.Queued}, To: store.InFlight,
		Mutate: func(p *store.Payment) error { p.Attempts++; return nil }}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.start(ctx)
	v = r.wait(v.ID)
	if !slices.Contains(historyStates(v), store.Unknown) {
		t.Errorf("%s: a payment found in_flight must be settled through unknown; history %v", w, historyStates(v))
	}
	r.settle()
	r.checkLedger()
	return v
}

// resolveCall is the request each wallet settles an unknown outcome with.
var resolveCall = map[string]string{"jkopay": wallettest.CallCancel, "easywallet": wallettest.CallPay, "ipass": wallettest.CallSearch, "linepay": wallettest.CallSearch}

var allFaults = []wallettest.Fault{
	{Kind: wallettest.Delay, Delay: 50 * time.Millisecond},
	{Kind: wallettest.Hang},
	{Kind: wallettest.DropBeforeCharge},
	{Kind: wallettest.DropAfterCharge},
	{Kind: wallettest.ServerError},
	{Kind: wallettest.Malformed},
	{Kind: wallettest.Truncated},
	{Kind: wallettest.Decline},
}

// TestFaults injects every fault kind at each step (pay, resolve, void,
// refund) of each wallet and checks that the journal ends final and true.
func TestFaults(t *testing.T) {
	for _, w := range simNames {
		for _, f := range allFaults {
			t.Run("pay/"+w+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
				r.sims[w].Inject(wallettest.CallPay, f)
				v := r.wait(r.pay("L1", "P-1", 100, w).ID)
				if f.Kind == wallettest.Decline && v.State != store.Declined {
					t.Errorf("an injected decline ended %s", v.State)
				}
				r.settle()
				r.checkLedger()
			})
			t.Run("resolve/"+w+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
				r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
				r.sims[w].Inject(resolveCall[w], f)
				v := r.wait(r.pay("L1", "S-1", 100, w).ID)
				if !slices.Contains(historyStates(v), store.Unknown) {
					t.Errorf("history %v lacks unknown", historyStates(v))
				}
				if v.State == store.Declined && f.Kind != wallettest.Decline {
					t.Errorf("an unknown outcome was reported as declined")
				}
				r.settle()
				r.checkLedger()
			})
			t.Run("reverse/"+w+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
				v := r.wait(r.pay("L1", "Q-1", 100, w).ID)
				for _, call := range []string{wallettest.CallVoid, wallettest.CallCancel, wallettest.CallRefund} {
					r.sims[w].Inject(call, f)
				}
				if _, err := r.e.Cancel(context.Background(), v.ID); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(10 * time.Second)
				for {
					v, _ = r.e.Payment(context.Background(), v.ID)
					if v.State == store.Reversed || time.Now().After(deadline) {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				if v.State != store.Reversed {
					t.Fatalf("ended %s, want reversed; history %+v", v.State, v.History)
				}
				r.settle()
				r.checkLedger()
			})
			t.Run("refund/"+w+"/"+f.Kind.String(), func(t *testing.T) {
				t.Parallel()
				r := newRig(t, rigOpts{wallets: []string{w}, timeout: 300 * time.Millisecond})
				v := r.wait(r.pay("L1", "Z-1", 100, w).ID)
				r.sims[w].Inject(wallettest.CallRefund, f)
				rf, err := r.e.Refund(context.Background(), v.ID, 100)
				if err != nil {
					t.Fatal(err)
				}
				r.settle()
				v, _ = r.e.Payment(context.Background(), v.ID)
				rv := v.Refunds[0]
				switch {
				case rv.State == store.RefundSucceeded && v.State != store.Refunded:
					t.Errorf("refund succeeded but the payment is %s", v.State)
				case rv.State == store.RefundFailed && f.Kind != wallettest.Decline:
					t.Errorf("refund %s failed after a %s fault: an unknown outcome must be resent, not failed", rf.ID, f.Kind)
				}
				r.checkLedger()
			})
		}
	}
}

func TestCreateValidation(t *testing.T) {
	r := newRig(t, rigOpts{wallets: []string{simNames[0]}, lanes: []string{"L1", "L2"}})
	ctx := context.Background()
	tests := []struct {
		name string
		req  CreateRequest
		code string
		msg  string
	}{
		{"no lane", CreateRequest{OrderNumber: "1", Amount: 1}, ErrInvalidRequest, "terminal_id is empty"},
		{"unknown lane", CreateRequest{TerminalID: "L9", OrderNumber: "1", Amount: 1}, ErrUnknownTerminal, "not a configured lane"},
		{"no order", CreateRequest{TerminalID: "L1", Amount: 1}, ErrInvalidRequest, "order_number is empty"},
		{"long order", CreateRequest{TerminalID: "L1", OrderNumber: strings.Repeat("9", 41), Amount: 1}, ErrInvalidRequest, "at most 40"},
		{"spaces", CreateRequest{TerminalID: "L1", OrderNumber: "a b", Amount: 1}, ErrInvalidRequest, "spaces"},
		{"zero amount", CreateRequest{TerminalID: "L1", OrderNumber: "1"}, ErrInvalidRequest, "positive whole number"},
		{"undiscountable above amount", CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 5, Undiscountable: 6}, ErrInvalidRequest, "between 0 and amount"},
		{"bad item", CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 5, Items: []store.Item{{Name: "", Quantity: 1}}}, ErrInvalidRequest, "items[0]"},
		{"product barcode", CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 5, Barcode: "4006381333931"}, ErrUnknownCode, "product"},
		{"garbage barcode", CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 5, Barcode: "hello"}, ErrUnknownCode, "no supported wallet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.e.CreatePayment(ctx, tt.req)
			if ErrorCode(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, tt.code, tt.msg)
			}
		})
	}
	if all, _ := r.j.Recent(10); len(all) != 0 {
		t.Fatalf("refused requests wrote %d payments", len(all))
	}
}

func TestWalletNotEnabled(t *testing.T) {
	enabled := simNames[0]
	other := simNames[len(simNames)-1]
	r := newRig(t, rigOpts{wallets: []string{enabled}})
	code := newSim(t, other, wallettest.Options{}).IssueCode()
	_, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 5, Barcode: code})
	if ErrorCode(err) != ErrWalletNotEnabled {
		t.Fatalf("err = %v, want %s", err, ErrWalletNotEnabled)
	}
	if _, err := r.e.Scan(context.Background(), scanner.Scan{Lane: "L1", Code: code}); ErrorCode(err) != ErrWalletNotEnabled {
		t.Fatalf("Scan err = %v", err)
	}
	r.noFullCodes(code)
}

func TestIdempotentCheckout(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	req := CreateRequest{TerminalID: "L1", OrderNumber: "42", Amount: 100}
	a, created, err := r.e.CreatePayment(ctx, req)
	if err != nil || !created {
		t.Fatal(err)
	}
	b, created, err := r.e.CreatePayment(ctx, req)
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("repeat = %s created %v err %v, want the same payment", b.ID, created, err)
	}
	_, _, err = r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "42", Amount: 200})
	if ErrorCode(err) != ErrConflict {
		t.Fatalf("other amount for the same open order: %v", err)
	}
	// The repeat brings the code the POS scanned itself: it pays the same payment.
	withCode := req
	withCode.Barcode = r.sims[w].IssueCode()
	b, created, err = r.e.CreatePayment(ctx, withCode)
	if err != nil || created || b.ID != a.ID || b.State != store.Queued {
		t.Fatalf("repeat with barcode = %s %s created %v err %v, want the same payment queued", b.ID, b.State, created, err)
	}
	r.wait(a.ID)
	// The POS lost our answer and asks again: the approved payment, not a second charge.
	c, created, err := r.e.CreatePayment(ctx, req)
	if err != nil || created || c.ID != a.ID || c.State != store.Approved {
		t.Fatalf("after approval = %+v created %v err %v", c, created, err)
	}
	r.checkLedger()
}

func TestScanFlows(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}, scanHold: 300 * time.Millisecond})
	ctx := context.Background()

	// Not a wallet's code: passed through, whole only when it is no credential.
	for _, tt := range []struct{ code, class string }{
		{"4006381333931", providers.ClassProduct},
		{"/ABC1234", providers.ClassEInvoice},
	} {
		res, err := r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: tt.code})
		if err != nil || res.Kind != "passthrough" || res.Class != tt.class {
			t.Fatalf("Scan(%s) = %+v, %v", tt.code, res, err)
		}
	}
	res, err := r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"})
	if err != nil || res.Kind != "passthrough" || res.Class != providers.ClassUnknown {
		t.Fatalf("unknown code: %+v, %v", res, err)
	}

	// Scan-then-amount: the held code pays the next checkout on the lane.
	code := r.sims[w].IssueCode()
	res, err = r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: code})
	if err != nil || res.Kind != "held" {
		t.Fatalf("Scan = %+v, %v; want held", res, err)
	}
	if all, _ := r.j.Recent(10); len(all) != 0 {
		t.Fatalf("a held code was journaled (%d payments): held codes live in memory only", len(all))
	}
	v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "H-1", Amount: 70})
	if err != nil || v.State != store.Queued {
		t.Fatalf("checkout after a held scan = %s, %v; want queued", v.State, err)
	}
	// A second scan while it is being charged does not start another charge.
	r.sims[w].Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Delay, Delay: 200 * time.Millisecond})
	res, err = r.e.Scan(ctx, scanner.Scan{Lane: "L1", Code: r.sims[w].IssueCode()})
	if err != nil || res.Kind != "ignored" {
		t.Fatalf("scan during a charge = %+v, %v; want ignored", res, err)
	}
	if v = r.wait(v.ID); v.State != store.Approved {
		t.Fatalf("held-code payment ended %s", v.State)
	}

	// A held code expires: a later checkout waits for a new scan.
	if _, err := r.e.Scan(ctx, scanner.Scan{Lane: "L2", Code: r.sims[w].IssueCode()}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(350 * time.Millisecond)
	v, _, err = r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L2", OrderNumber: "H-2", Amount: 70})
	if err != nil || v.State != store.AwaitingScan {
		t.Fatalf("checkout after the hold ended = %s, %v; want awaiting_scan", v.State, err)
	}
	if v, err = r.e.Cancel(ctx, v.ID); err != nil || v.State != store.Cancelled {
		t.Fatalf("Cancel = %s, %v", v.State, err)
	}

	// The POS's own scanner: the barcode comes with the checkout.
	b := r.sims[w].IssueCode()
	v, _, err = r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L3", OrderNumber: "B-1", Amount: 30, Barcode: b})
	if err != nil || v.State != store.Queued || v.MaskedCode == "" || strings.Contains(v.MaskedCode, b) {
		t.Fatalf("checkout with barcode = %+v, %v", v, err)
	}
	r.wait(v.ID)

	var sawProduct, sawMaskedHeld bool
	for _, ev := range r.eventsOf("scan") {
		se := ev.Data.(ScanEvent)
		if se.Class == providers.ClassProduct && se.Code == "4006381333931" {
			sawProduct = true
		}
		if se.Kind == "held" && se.Code == "" && se.Masked != "" {
			sawMaskedHeld = true
		}
	}
	if !sawProduct || !sawMaskedHeld {
		t.Errorf("scan events: product passed whole %v, wallet code masked %v", sawProduct, sawMaskedHeld)
	}
	r.noFullCodes(code, b)
	r.checkLedger()
}

func TestPartialRefunds(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}})
			ctx := context.Background()
			v := r.wait(r.pay("L1", "PR-1", 100, w).ID)
			if _, err := r.e.Refund(ctx, v.ID, 101); ErrorCode(err) != ErrRefundRefused {
				t.Fatalf("refund above the amount: %v", err)
			}
			rf, err := r.e.Refund(ctx, v.ID, 30)
			partial := r.e.cfg.Wallets[w].Wallet.(providers.Refunder).PartialRefunds()
			if !partial {
				if ErrorCode(err) != ErrRefundRefused {
					t.Fatalf("partial refund on a wallet without them: %v", err)
				}
				return
			}
			if err != nil || rf.State != store.RefundSucceeded {
				t.Fatalf("partial refund = %+v, %v", rf, err)
			}
			if _, err := r.e.Refund(ctx, v.ID, 71); ErrorCode(err) != ErrRefundRefused {
				t.Fatalf("refund above what remains: %v", err)
			}
			if rf, err = r.e.Refund(ctx, v.ID, 0); err != nil || rf.Amount != 70 {
				t.Fatalf("refund of the rest = %+v, %v", rf, err)
			}
			v, _ = r.e.Payment(ctx, v.ID)
			if v.State != store.Refunded || v.RefundedAmount != 100 || len(v.Refunds) != 2 {
				t.Fatalf("after both refunds: %s refunded %d, %d refunds", v.State, v.RefundedAmount, len(v.Refunds))
			}
			r.checkLedger()
		})
	}
}

func TestRefundRefusals(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	if _, err := r.e.Refund(ctx, "nope", 1); ErrorCode(err) != ErrNotFound {
		t.Fatalf("unknown payment: %v", err)
	}
	v, _, _ := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L1", OrderNumber: "N-1", Amount: 10})
	if _, err := r.e.Refund(ctx, v.ID, 1); ErrorCode(err) != ErrConflict {
		t.Fatalf("refund of an unpaid payment: %v", err)
	}
	v = r.wait(r.pay("L2", "N-2", 10, w).ID)
	if _, err := r.e.Refund(ctx, v.ID, -1); ErrorCode(err) != ErrInvalidRequest {
		t.Fatalf("negative refund: %v", err)
	}
}

// TestReceiptOutbox: receipts are delivered at least once, failures are
// visible (health, event, log) and retried until the hook recovers.
func TestReceiptOutbox(t *testing.T) {
	w := simNames[0]
	base := t.TempDir()
	flag := filepath.Join(base, "printer-ready")
	out := filepath.Join(base, "printed")
	script := printerHook(t, base, flag, out)
	printer, err := hooks.New(hooks.Config{Name: "printer", Kind: "exec", Command: []string{script}}, base)
	if err != nil {
		t.Fatal(err)
	}
	files, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: "receipts", On: []string{"approved", "cancelled", "refunded"}}, base)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, rigOpts{wallets: []string{w}, hooks: []hooks.Hook{printer, files}})
	v := r.wait(r.pay("L1", "O-1", 100, w).ID)
	deadline := time.Now().Add(10 * time.Second)
	for r.e.Health().Hooks["printer"] == "ok" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	h := r.e.Health()
	if h.OK || !strings.Contains(h.Hooks["printer"], "printer offline") {
		t.Fatalf("a failing hook must show in Health: %+v", h)
	}
	for len(r.eventsOf("hook")) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // events reach subscribers asynchronously
	}
	if len(r.eventsOf("hook")) == 0 || !strings.Contains(r.logs.String(), "receipt hook failed") {
		t.Fatalf("a failing hook must raise an event and a log line")
	}
	if _, err := r.e.Refund(context.Background(), v.ID, 0); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(flag, nil, 0o600) // the printer comes back
	r.settle()
	printed, _ := os.ReadFile(out)
	if c := strings.Count(string(printed), `"delivery_id"`); c != 2 {
		t.Fatalf("printer got %d receipts, want 2 (approved, refund):\n%s", c, printed)
	}
	if strings.Contains(string(printed), "full_code") {
		t.Fatalf("a receipt carried the full code")
	}
	for _, name := range []string{v.ID + "-approved.json", v.ID + "-refund-" + mustRefundID(t, r, v.ID) + ".json"} {
		b, err := os.ReadFile(filepath.Join(base, "receipts", name))
		if err != nil {
			t.Errorf("file receipt %s: %v", name, err)
		}
		if strings.Contains(string(b), "full_code") {
			t.Errorf("file receipt %s carries the full code", name)
		}
	}
	if h := r.e.Health(); !h.OK || h.Hooks["printer"] != "ok" {
		t.Fatalf("after recovery: %+v", h)
	}
}

func mustRefundID(t *testing.T, r *rig, id string) string {
	v, err := r.e.Payment(context.Background(), id)
	if err != nil || len(v.Refunds) == 0 {
		t.Fatalf("no refund on %s: %v", id, err)
	}
	return v.Refunds[0].ID
}

func TestSearch(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx := context.Background()
	a := r.wait(r.pay("L1", "S-1", 10, w).ID)
	b, _, _ := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L2", OrderNumber: "S-2", Amount: 10})
	tests := []struct {
		q    Query
		want []string
	}{
		{Query{TerminalID: "L1", OrderNumber: "S-1"}, []string{a.ID}},
		{Query{OrderNumber: "S-2"}, []string{b.ID}},
		{Query{State: store.AwaitingScan}, []string{b.ID}},
		{Query{State: store.Approved}, []string{a.ID}},
		{Query{TerminalID: "L2"}, []string{b.ID}},
	}
	for _, tt := range tests {
		got, err := r.e.Search(ctx, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range got {
			ids = append(ids, v.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("Search(%+v) = %v, want %v", tt.q, ids, tt.want)
		}
	}
	if _, err := r.e.Search(ctx, Query{}); ErrorCode(err) != ErrInvalidRequest {
		t.Errorf("empty query: %v", err)
	}
	if _, err := r.e.Search(ctx, Query{State: "paid"}); ErrorCode(err) != ErrInvalidRequest {
		t.Errorf("bad state: %v", err)
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	w := simNames[0]
	r := newRig(t, rigOpts{wallets: []string{w}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = r.e.Subscribe(ctx) // never read
	for range 300 {
		r.e.Device(scanner.DeviceEvent{Device: "s", Lane: "L1", Kind: scanner.Connected})
	}
	v := r.wait(r.pay("L1", "SL-1", 10, w).ID)
	if v.State != store.Approved {
		t.Fatalf("ended %s", v.State)
	}
	if !slices.ContainsFunc(r.e.Health().Problems, func(s string) bool { return strings.Contains(s, "dropped") }) {
		t.Errorf("dropped events are not reported in Health")
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	cls, _ := providers.NewClassifier(providers.DefaultRules())
	j := openJournal(t, filepath.Join(t.TempDir(), "j.db"))
	defer j.Close()
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Classifier: cls}, "Journal is nil"},
		{Config{Journal: j}, "Classifier is nil"},
		{Config{Journal: j, Classifier: cls, Wallets: map[string]WalletSetup{"jkopay": {}}}, "no implementation"},
	} {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New = %v, want %q", err, tt.want)
		}
	}
	if _, err := New(Config{Journal: j, Classifier: cls}); err != nil {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 9: time.Second} {
		for range 50 {
			d := b.Delay(n)
			if d < want*8/10 || d > want*12/10 {
				t.Fatalf("Delay(%d) = %s, want %s ±20%%", n, d, want)
			}
		}
	}
}

// TestWalletHealth: a reachable wallet keeps Health OK; an unreachable one
// shows in Health, naming the fix.
func TestWalletHealth(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, check: 20 * time.Millisecond, timeout: 300 * time.Millisecond})
			waitHealth := func(ok bool) Health {
				deadline := time.Now().Add(10 * time.Second)
				for {
					h := r.e.Health()
					if h.OK == ok || time.Now().After(deadline) {
						return h
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			if h := waitHealth(true); !h.OK {
				t.Fatalf("a reachable wallet: %+v", h)
			}
			r.sims[w].Close()
			h := waitHealth(false)
			if h.OK || len(h.Problems) == 0 || !strings.Contains(strings.Join(h.Problems, "\n"), "check providers."+w) {
				t.Fatalf("an unreachable wallet: %+v", h)
			}
		})
	}
}

// TestScanRefusedByWallet: a code whose wallet cannot take the waiting
// checkout (iPass allows 8-character terminal ids) is refused with the
// wallet's reason, not held for a later checkout.
func TestScanRefusedByWallet(t *testing.T) {
	r := newRig(t, rigOpts{wallets: []string{"ipass"}})
	ctx := context.Background()
	v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-TOO-LONG", OrderNumber: "1", Amount: 10})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.e.Scan(ctx, scanner.Scan{Lane: "LANE-TOO-LONG", Code: r.sims["ipass"].IssueCode()})
	if ErrorCode(err) != ErrInvalidRequest || !strings.Contains(err.Error(), "terminal_id") || res.Kind != "passthrough" {
		t.Fatalf("Scan = %+v, %v", res, err)
	}
	if v, _ = r.e.Payment(ctx, v.ID); v.State != store.AwaitingScan {
		t.Fatalf("payment is %s", v.State)
	}
	// Nothing was held: a later checkout on the lane still waits for a scan.
	w, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "LANE-TOO-LONG", OrderNumber: "2", Amount: 10})
	if err != nil || w.State != store.AwaitingScan {
		t.Fatalf("next checkout = %s, %v", w.State, err)
	}
}

// TestAmountUpperBound: a payment above the per-payment maximum is a clear
// 400 and changes nothing; the maximum is configurable.
func TestAmountUpperBound(t *testing.T) {
	r := newRig(t, rigOpts{wallets: []string{"jkopay"}})
	for _, amount := range []int64{9223372036854775807, DefaultMaxAmount + 1} {
		_, _, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "big-" + strconv.FormatInt(amount, 10), Amount: amount})
		if ErrorCode(err) != ErrInvalidRequest || !strings.Contains(err.Error(), "max_amount") {
			t.Errorf("a payment of %d TWD: %v, want invalid_request naming max_amount", amount, err)
		}
	}
	if ps, err := r.j.Recent(10); err != nil || len(ps) != 0 {
		t.Errorf("refused payments were journaled: %d %v", len(ps), err)
	}
	if _, created, err := r.e.CreatePayment(context.Background(), CreateRequest{TerminalID: "L1", OrderNumber: "max", Amount: DefaultMaxAmount}); err != nil || !created {
		t.Errorf("a payment of exactly the maximum: %v", err)
	}
	small := r.e.cfg
	small.MaxAmount = 500
	e2, err := New(small)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e2.CreatePayment(context.Background(), CreateRequest{TerminalID: "L2", OrderNumber: "o", Amount: 501}); ErrorCode(err) != ErrInvalidRequest {
		t.Errorf("501 TWD with max_amount 500: %v, want invalid_request", err)
	}
}
