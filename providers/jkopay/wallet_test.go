package jkopay_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// syncBuffer collects log output from the wallet and the simulator.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type rig struct {
	sim  *jkopaytest.Sim
	w    *jkopay.Wallet
	logs *syncBuffer
}

func newRig(t *testing.T, opts wallettest.Options, adjust func(*jkopay.Config)) *rig {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.Logger = logger
	sim := jkopaytest.New(opts)
	t.Cleanup(sim.Close)
	cfg := sim.JKOConfig()
	cfg.Timeout = 2 * time.Second
	if adjust != nil {
		adjust(cfg)
	}
	return &rig{sim: sim, w: openWallet(t, cfg, providers.Env{Logger: logger}), logs: logs}
}

func (r *rig) payment(t *testing.T, code string, amount int64) providers.PayRequest {
	t.Helper()
	req := providers.PayRequest{PaymentID: "p-1", TerminalID: "LANE01", OrderNumber: "ORD-2026-0001", Amount: amount, Code: code, Description: "2 items", Attempt: 1}
	ref, err := r.w.NewRef(req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Ref = ref
	return req
}

func charges(t *testing.T, sim *jkopaytest.Sim, key string) []wallettest.Charge {
	t.Helper()
	var out []wallettest.Charge
	for _, c := range sim.Ledger() {
		if c.Key == key {
			out = append(out, c)
		}
	}
	return out
}

func TestPayApprovedAndRepeated(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	req := r.payment(t, r.sim.IssueCode(), 150)
	out := r.w.Pay(context.Background(), req)
	if out.Kind != providers.Approved || out.Code != "000" || out.AmountPaid != 150 || out.TransactionID == "" || out.Duplicate {
		t.Fatalf("pay = %+v", out)
	}
	req.Attempt = 2
	again := r.w.Pay(context.Background(), req)
	if again.Kind != providers.Approved || !again.Duplicate || again.TransactionID != out.TransactionID {
		t.Fatalf("resend = %+v, want the first result with Duplicate", again)
	}
	cs := charges(t, r.sim, req.Ref[jkopay.RefMerchantTradeNo])
	if len(cs) != 1 || cs[0].Amount != 150 || cs[0].Requests != 2 || cs[0].TransactionID != out.TransactionID {
		t.Fatalf("ledger = %+v, want one charge of 150 seen twice", cs)
	}
}

func TestPayDeclined(t *testing.T) {
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	r := newRig(t, wallettest.Options{Now: clock, CodeTTL: time.Minute}, nil)

	t.Run("insufficient balance by magic amount", func(t *testing.T) {
		out := r.w.Pay(context.Background(), r.payment(t, r.sim.IssueCode(), 928))
		if out.Kind != providers.Declined || out.Code != "928" || !out.RetryScan || !strings.Contains(out.Message, "insufficient balance") {
			t.Fatalf("pay = %+v", out)
		}
	})
	t.Run("code expired", func(t *testing.T) {
		code := r.sim.IssueCode()
		mu.Lock()
		now = now.Add(61 * time.Second)
		mu.Unlock()
		out := r.w.Pay(context.Background(), r.payment(t, code, 100))
		if out.Kind != providers.Declined || out.Code != "906" || !out.RetryScan {
			t.Fatalf("pay = %+v", out)
		}
	})
	t.Run("code used by another payment", func(t *testing.T) {
		code := r.sim.IssueCode()
		if out := r.w.Pay(context.Background(), r.payment(t, code, 100)); out.Kind != providers.Approved {
			t.Fatalf("first = %+v", out)
		}
		if out := r.w.Pay(context.Background(), r.payment(t, code, 100)); out.Kind != providers.Declined || out.Code != "927" {
			t.Fatalf("second payment with the same code = %+v", out)
		}
	})
	t.Run("not a JKOPay code: nothing sent", func(t *testing.T) {
		before := len(r.sim.Ledger())
		out := r.w.Pay(context.Background(), r.payment(t, "99123456789012345678", 100))
		if out.Kind != providers.Declined || !out.RetryScan || !strings.Contains(out.Message, "CardToken") {
			t.Fatalf("pay = %+v", out)
		}
		if len(r.sim.Ledger()) != before {
			t.Fatal("a refused request charged")
		}
	})
	t.Run("description too long: nothing sent", func(t *testing.T) {
		req := r.payment(t, r.sim.IssueCode(), 100)
		req.Description = strings.Repeat("x", 1001)
		out := r.w.Pay(context.Background(), req)
		if out.Kind != providers.Declined || !strings.Contains(out.Message, "Remark is 1001 characters long, the limit is 1000") {
			t.Fatalf("pay = %+v", out)
		}
	})
}

// TestUnknownThenResolve: every way an answer can go missing or bad ends
// Unknown (never Declined), and Resolve's Cancel settles it to Voided with
// the ledger agreeing that no money stayed moved.
func TestUnknownThenResolve(t *testing.T) {
	tests := []struct {
		name       string
		fault      wallettest.Fault
		charged    bool   // the simulator charged before the answer went wrong
		cancelCode string // what Cancel answers
	}{
		{"lost answer after charge", wallettest.Fault{Kind: wallettest.DropAfterCharge}, true, "000"},
		{"dropped before charge", wallettest.Fault{Kind: wallettest.DropBeforeCharge}, false, "916"},
		{"hang past timeout", wallettest.Fault{Kind: wallettest.Hang}, false, "916"},
		{"HTTP 500", wallettest.Fault{Kind: wallettest.ServerError}, false, "916"},
		{"malformed answer", wallettest.Fault{Kind: wallettest.Malformed}, true, "000"},
		{"truncated answer", wallettest.Fault{Kind: wallettest.Truncated}, true, "000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) { c.Timeout = 300 * time.Millisecond })
			req := r.payment(t, r.sim.IssueCode(), 120)
			key := req.Ref[jkopay.RefMerchantTradeNo]
			r.sim.Inject(wallettest.CallPay, tt.fault)
			out := r.w.Pay(context.Background(), req)
			if out.Kind != providers.Unknown || out.NotSent {
				t.Fatalf("pay = %+v, want Unknown that may have been sent", out)
			}
			if got := len(charges(t, r.sim, key)); got != map[bool]int{true: 1, false: 0}[tt.charged] {
				t.Fatalf("charges after the fault = %d, charged want %v", got, tt.charged)
			}
			// The first Cancel fails too: still Unknown, and the engine
			// sends it again.
			r.sim.Inject(wallettest.CallCancel, wallettest.Fault{Kind: wallettest.ServerError})
			if res := r.w.Resolve(context.Background(), req); res.Kind != providers.Unknown {
				t.Fatalf("resolve with a failing cancel = %+v", res)
			}
			res := r.w.Resolve(context.Background(), req)
			if res.Kind != providers.Voided || res.Code != tt.cancelCode {
				t.Fatalf("resolve = %+v, want Voided by %s", res, tt.cancelCode)
			}
			for _, c := range charges(t, r.sim, key) {
				if !c.Voided {
					t.Fatalf("ledger after resolve: %+v not voided", c)
				}
			}
			// A late or repeated Payment after the cancel must not charge.
			late := r.w.Pay(context.Background(), req)
			if late.Kind == providers.Approved {
				t.Fatalf("payment after cancel approved: %+v", late)
			}
			for _, c := range charges(t, r.sim, key) {
				if !c.Voided {
					t.Fatalf("charged after the cancel: %+v", c)
				}
			}
		})
	}
}

func TestConnectionRefusedIsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) { c.BaseURL = "http://" + addr + "/sys" })
	out := r.w.Pay(context.Background(), r.payment(t, r.sim.IssueCode(), 100))
	if out.Kind != providers.Unknown || !out.NotSent {
		t.Fatalf("pay = %+v, want Unknown NotSent", out)
	}
}

func TestRefund(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	pay := r.payment(t, r.sim.IssueCode(), 100)
	approval := r.w.Pay(context.Background(), pay)
	if approval.Kind != providers.Approved {
		t.Fatalf("pay = %+v", approval)
	}
	refund := func(amount int64) (providers.RefundRequest, providers.Outcome) {
		req := providers.RefundRequest{RefundID: "r", Payment: pay, Approval: approval, Amount: amount, Attempt: 1}
		ref, err := r.w.NewRefundRef(req, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req.Ref = ref
		if ref[jkopay.RefMerchantTradeNo] == pay.Ref[jkopay.RefMerchantTradeNo] {
			t.Fatal("a refund reuses the payment's MerchantTradeNo")
		}
		return req, r.w.Refund(context.Background(), req)
	}
	if !r.w.PartialRefunds() {
		t.Fatal("JKOPay refunds partially")
	}
	req30, out := refund(30)
	if out.Kind != providers.Approved || out.AmountPaid != 30 || out.TransactionID == "" || out.TransactionID == approval.TransactionID {
		t.Fatalf("partial refund = %+v", out)
	}
	if again := r.w.Refund(context.Background(), req30); again.Kind != providers.Approved || !again.Duplicate || again.TransactionID != out.TransactionID {
		t.Fatalf("resent refund = %+v, want the first with Duplicate", again)
	}
	if _, out := refund(71); out.Kind != providers.Declined || out.Code != "922" {
		t.Fatalf("refund above what remains = %+v", out)
	}
	if _, out := refund(70); out.Kind != providers.Approved {
		t.Fatalf("refund of the rest = %+v", out)
	}
	c := charges(t, r.sim, pay.Ref[jkopay.RefMerchantTradeNo])
	if len(c) != 1 || c[0].Refunded != 100 {
		t.Fatalf("ledger = %+v, want 100 refunded", c)
	}
	// A refund whose answer is lost is resent with the same Ref: no double refund.
	pay2 := r.payment(t, r.sim.IssueCode(), 50)
	approval2 := r.w.Pay(context.Background(), pay2)
	req := providers.RefundRequest{Payment: pay2, Approval: approval2, Amount: 50, Full: true}
	req.Ref, _ = r.w.NewRefundRef(req, time.Now())
	r.sim.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := r.w.Refund(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("refund with lost answer = %+v", out)
	}
	if out := r.w.Refund(context.Background(), req); out.Kind != providers.Approved || !out.Duplicate {
		t.Fatalf("resent refund = %+v", out)
	}
	if c := charges(t, r.sim, pay2.Ref[jkopay.RefMerchantTradeNo]); c[0].Refunded != 50 {
		t.Fatalf("refunded %d, want 50 once", c[0].Refunded)
	}
}

func TestVoid(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	pay := r.payment(t, r.sim.IssueCode(), 80)
	approval := r.w.Pay(context.Background(), pay)
	for i := 0; i < 2; i++ {
		if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Voided {
			t.Fatalf("void #%d = %+v", i+1, out)
		}
	}
	if c := charges(t, r.sim, pay.Ref[jkopay.RefMerchantTradeNo]); !c[0].Voided {
		t.Fatalf("ledger = %+v", c)
	}
	// A refunded payment cannot be cancelled: the void is refused, not lost.
	pay2 := r.payment(t, r.sim.IssueCode(), 80)
	approval2 := r.w.Pay(context.Background(), pay2)
	rr := providers.RefundRequest{Payment: pay2, Approval: approval2, Amount: 10}
	rr.Ref, _ = r.w.NewRefundRef(rr, time.Now())
	r.w.Refund(context.Background(), rr)
	if out := r.w.Void(context.Background(), pay2, approval2); out.Kind != providers.Declined || out.Code != "934" {
		t.Fatalf("void of a refunded payment = %+v", out)
	}
}

func TestWrongKeyIsConfigError(t *testing.T) {
	r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) {
		c.MerchantKey = "not-the-key"
		_ = c.Provision(providers.Env{})
	})
	out := r.w.Pay(context.Background(), r.payment(t, r.sim.IssueCode(), 100))
	if out.Kind != providers.ConfigError || out.Code != "904" || !strings.Contains(out.Message, "merchant_key") {
		t.Fatalf("pay = %+v", out)
	}
	if err := r.w.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "904") {
		t.Fatalf("health = %v", err)
	}
	if len(r.sim.Ledger()) != 0 {
		t.Fatal("charged with a wrong key")
	}
}

func TestHealth(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	if err := r.w.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.sim.Inject(wallettest.CallInquiry, wallettest.Fault{Kind: wallettest.ServerError})
	if err := r.w.Health(context.Background()); err == nil {
		t.Fatal("health passed on HTTP 500")
	}
}

// TestStatusCodes sends one payment per status code of the table and
// checks how each is classified. The expectations are written out here
// rather than read from the package's table, so a change there must be
// deliberate.
func TestStatusCodes(t *testing.T) {
	const (
		unk = providers.Unknown
		dec = providers.Declined
		cfg = providers.ConfigError
	)
	want := map[string]struct {
		kind  providers.Kind
		retry bool
	}{
		"301": {unk, false}, "601": {dec, true}, "801": {unk, false}, "802": {unk, false}, "804": {cfg, false},
		"812": {dec, false}, "901": {unk, false}, "904": {cfg, false}, "905": {cfg, false}, "906": {dec, true},
		"907": {cfg, false}, "909": {unk, false}, "911": {dec, false}, "912": {dec, true}, "916": {dec, false},
		"922": {dec, false}, "927": {dec, true}, "928": {dec, true}, "929": {dec, true}, "931": {dec, true},
		"932": {cfg, false}, "934": {dec, false}, "935": {cfg, false}, "939": {dec, true}, "940": {dec, false},
		"951": {dec, false}, "961": {dec, false}, "962": {dec, false}, "968": {dec, false}, "975": {dec, false},
		"977": {dec, false}, "978": {dec, false}, "980": {cfg, false},
		"999": {unk, false}, // not in the table
	}
	for _, code := range jkopay.StatusCodes() {
		if _, listed := want[code]; !listed && code != "000" {
			t.Fatalf("status %s is in the table but not in this test: add it", code)
		}
	}
	r := newRig(t, wallettest.Options{}, nil)
	for code, w := range want {
		t.Run(code, func(t *testing.T) {
			r.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Decline, Code: code})
			out := r.w.Pay(context.Background(), r.payment(t, r.sim.IssueCode(), 100))
			if out.Kind != w.kind || out.RetryScan != w.retry || out.Code != code || out.Message == "" {
				t.Fatalf("status %s = %+v, want %v retry=%v", code, out, w.kind, w.retry)
			}
		})
	}
	if len(r.sim.Ledger()) != 0 {
		t.Fatal("a refused payment charged")
	}
}

func TestNewRef(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	at := time.Date(2026, 3, 4, 23, 59, 58, 0, time.UTC)
	seen := map[string]bool{}
	order := "POS/ORDER #" + strings.Repeat("9", 80)
	for i := 0; i < 1000; i++ {
		ref, err := r.w.NewRef(providers.PayRequest{TerminalID: "LANE01", OrderNumber: order}, at)
		if err != nil {
			t.Fatal(err)
		}
		mtn := ref[jkopay.RefMerchantTradeNo]
		if len(mtn) > 60 || !regexp.MustCompile(`^POSORDER9+P260305075958[A-Z2-9]{6}$`).MatchString(mtn) {
			t.Fatalf("MerchantTradeNo %q (%d long)", mtn, len(mtn))
		}
		if seen[mtn] {
			t.Fatalf("MerchantTradeNo %q made twice", mtn)
		}
		seen[mtn] = true
		if ref[jkopay.RefPosTradeTime] != "2026/03/05 07:59:58" || ref[jkopay.RefPosID] != "LANE01" {
			t.Fatalf("ref = %v", ref)
		}
	}
	if _, err := r.w.NewRef(providers.PayRequest{TerminalID: strings.Repeat("L", 21)}, at); err == nil || !strings.Contains(err.Error(), "terminal_id") {
		t.Fatalf("a 21-character terminal: %v", err)
	}
}

// TestNoSecretsInLogsOrErrors runs the paths that log and fail, with the
// wallet and the simulator logging at debug level into one buffer, and
// checks that neither the full code nor the merchant key appears there or
// in any outcome or error.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) { c.Timeout = 300 * time.Millisecond })
	var codes, texts []string
	pay := func(amount int64, faults ...wallettest.Fault) providers.PayRequest {
		code := r.sim.IssueCode()
		codes = append(codes, code)
		r.sim.Inject(wallettest.CallPay, faults...)
		req := r.payment(t, code, amount)
		texts = append(texts, r.w.Pay(context.Background(), req).Message)
		return req
	}
	ok := pay(100)
	pay(928)
	lost := pay(100, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	texts = append(texts, r.w.Resolve(context.Background(), lost).Message)
	pay(100, wallettest.Fault{Kind: wallettest.Malformed})
	pay(100, wallettest.Fault{Kind: wallettest.Hang})
	bad := r.payment(t, "22!"+r.sim.IssueCode()[3:], 100)
	codes = append(codes, bad.Code)
	texts = append(texts, r.w.Pay(context.Background(), bad).Message)
	texts = append(texts, r.w.Void(context.Background(), ok, providers.Outcome{}).Message)
	if err := r.w.Health(context.Background()); err != nil {
		texts = append(texts, err.Error())
	}
	cfg := r.sim.JKOConfig()
	texts = append(texts, cfg.String())

	all := r.logs.String() + strings.Join(texts, "\n")
	if !strings.Contains(all, "jkopay answered") || !strings.Contains(all, mask.Code(codes[0])) {
		t.Fatalf("the capture saw no wallet log lines with the masked code:\n%s", all)
	}
	for _, secret := range append(codes, r.sim.MerchantKey()) {
		if strings.Contains(all, secret) {
			t.Fatalf("%q leaked into logs or messages:\n%s", secret, all)
		}
	}
}

func TestRegistered(t *testing.T) {
	d, ok := providers.Lookup("jkopay")
	if !ok || len(d.Rules) != 1 || d.Rules[0].Prefix != "22" {
		t.Fatalf("driver = %+v, %v", d, ok)
	}
	if _, isJKO := d.NewConfig().(*jkopay.Config); !isJKO {
		t.Fatal("NewConfig is not a *jkopay.Config")
	}
}

// clockRig is a wallet and a simulator on one settable clock, the
// simulator hiding each charge for JKOPay's documented 15 s.
type clockRig struct {
	sim *jkopaytest.Sim
	w   *jkopay.Wallet
	mu  sync.Mutex
	now time.Time
}

func newClockRig(t *testing.T) *clockRig {
	t.Helper()
	r := &clockRig{now: time.Now()}
	logger := slog.New(slog.DiscardHandler)
	r.sim = jkopaytest.New(wallettest.Options{Now: r.clock, Logger: logger})
	t.Cleanup(r.sim.Close)
	r.sim.SetNotFoundWindow(15 * time.Second)
	cfg := r.sim.JKOConfig()
	if cfg.NotFoundWindow != 15*time.Second {
		t.Fatalf("the simulator's config has window %s", cfg.NotFoundWindow)
	}
	cfg.Timeout = 300 * time.Millisecond
	r.w = openWallet(t, cfg, providers.Env{Logger: logger, Now: r.clock})
	return r
}

func (r *clockRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
func (r *clockRig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

func (r *clockRig) payment(t *testing.T, amount int64) providers.PayRequest {
	t.Helper()
	req := providers.PayRequest{PaymentID: "p-1", TerminalID: "LANE01", OrderNumber: "ORD-2026-0002", Amount: amount, Code: r.sim.IssueCode(), Attempt: 1}
	ref, err := r.w.NewRef(req, r.clock())
	if err != nil {
		t.Fatal(err)
	}
	req.Ref = ref
	return req
}

// A 916 to the Cancel that settles an unknown payment is believed only
// NotFoundWindow (15 s) after the Payment was over: sooner, JKOPay may not
// show a payment it has charged, and calling that "no money moved" would
// lose the money. The engine cancels again, and the truth comes out.
func TestA916SoonAfterThePaymentDoesNotSettleIt(t *testing.T) {
	tests := []struct {
		name    string
		fault   wallettest.Fault
		charged bool
		final   string // what the Cancel after the window answers
	}{
		{"the Payment charged, its answer lost", wallettest.Fault{Kind: wallettest.DropAfterCharge}, true, "000"},
		{"the Payment never arrived", wallettest.Fault{Kind: wallettest.DropBeforeCharge}, false, "916"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newClockRig(t)
			req := r.payment(t, 120)
			key := req.Ref[jkopay.RefMerchantTradeNo]
			r.sim.Inject(wallettest.CallPay, tt.fault)
			if out := r.w.Pay(context.Background(), req); out.Kind != providers.Unknown {
				t.Fatalf("pay = %+v", out)
			}
			r.advance(14 * time.Second)
			res := r.w.Resolve(context.Background(), req)
			if res.Kind != providers.Unknown || res.Code != "916" {
				t.Fatalf("resolve 14 s after the Payment = %+v, want Unknown", res)
			}
			if cs := charges(t, r.sim, key); len(cs) != map[bool]int{true: 1, false: 0}[tt.charged] || (tt.charged && cs[0].Voided) {
				t.Fatalf("ledger = %+v", cs)
			}
			r.advance(2 * time.Second)
			res = r.w.Resolve(context.Background(), req)
			if res.Kind != providers.Voided || res.Code != tt.final {
				t.Fatalf("resolve 16 s after the Payment = %+v, want Voided by %s", res, tt.final)
			}
			for _, c := range charges(t, r.sim, key) {
				if !c.Voided {
					t.Fatalf("voided but the charge stands: %+v", c)
				}
			}
		})
	}
}

// The window runs from when the last Payment was over, not from
// PosTradeTime: a Payment resent later (after a not-sent retry) restarts
// it.
func TestTheWindowRunsFromTheLastPayment(t *testing.T) {
	r := newClockRig(t)
	req := r.payment(t, 130)
	r.advance(40 * time.Second) // e.g. queued behind not-sent retries
	r.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	if out := r.w.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("pay = %+v", out)
	}
	r.advance(5 * time.Second)
	if res := r.w.Resolve(context.Background(), req); res.Kind != providers.Unknown {
		t.Fatalf("resolve 45 s after PosTradeTime but 5 s after the Payment = %+v, want Unknown", res)
	}
	r.advance(10 * time.Second)
	if res := r.w.Resolve(context.Background(), req); res.Kind != providers.Voided {
		t.Fatalf("resolve 15 s after the Payment = %+v, want Voided", res)
	}
}

// Voiding an approved payment: 916 is never a success. Inside the window
// it is Unknown (the engine cancels again); after it, Declined, so the
// engine refunds. A Cancel refused for its fields is Declined too. The
// full code is gone once approved: the Cancel goes out with an empty
// CardToken and works.
func TestVoidNeverTakes916AsDone(t *testing.T) {
	r := newClockRig(t)
	pay := r.payment(t, 90)
	approval := r.w.Pay(context.Background(), pay)
	if approval.Kind != providers.Approved {
		t.Fatalf("pay = %+v", approval)
	}
	pay.Code = "" // erased by the engine once approved
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Unknown || out.Code != "916" {
		t.Fatalf("void inside the window = %+v, want Unknown", out)
	}
	r.advance(16 * time.Second)
	r.sim.Inject(wallettest.CallCancel, wallettest.Fault{Kind: wallettest.Decline, Code: "916"})
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Declined || out.Code != "916" {
		t.Fatalf("void answered 916 after the window = %+v, want Declined (refund instead)", out)
	}
	r.sim.Inject(wallettest.CallCancel, wallettest.Fault{Kind: wallettest.Decline, Code: "804"})
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Declined || out.Code != "804" {
		t.Fatalf("void refused for its fields = %+v, want Declined", out)
	}
	if c := charges(t, r.sim, pay.Ref[jkopay.RefMerchantTradeNo]); len(c) != 1 || c[0].Voided {
		t.Fatalf("ledger = %+v, want the charge standing", c)
	}
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Voided || out.Code != "000" {
		t.Fatalf("void = %+v", out)
	}
	if c := charges(t, r.sim, pay.Ref[jkopay.RefMerchantTradeNo]); !c[0].Voided {
		t.Fatalf("ledger = %+v", c)
	}
}

// TestSlowNotFoundIsNotBelieved: a Cancel that JKOPay answered 916 inside
// the not-found window, but whose answer arrived after it (a slow answer
// within the timeout), says nothing: JKOPay may not have recorded the
// charge yet when it read the Cancel. Unknown, and the charge is found
// by the next Cancel, which voids it.
func TestSlowNotFoundIsNotBelieved(t *testing.T) {
	r := newClockRig(t)
	// A real server in front of the sim: Cancel is answered now, and the
	// answer takes two seconds to come back.
	slow := httptest.NewServer(wallettest.AnswerLate(r.sim.Handler(),
		func(req *http.Request) bool { return strings.HasSuffix(req.URL.Path, "/"+jkopay.CallCancel) },
		func() { r.advance(2 * time.Second) }))
	t.Cleanup(slow.Close)
	cfg := r.sim.JKOConfig()
	cfg.BaseURL = slow.URL + "/" + jkopaytest.SystemName
	cfg.Timeout = 300 * time.Millisecond
	r.w = openWallet(t, cfg, providers.Env{Logger: slog.New(slog.DiscardHandler), Now: r.clock})
	req := r.payment(t, 150)
	r.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := r.w.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("pay = %+v", out)
	}
	r.advance(14 * time.Second) // Cancel read 1 s before the window ends, answered 1 s after
	if res := r.w.Resolve(context.Background(), req); res.Kind != providers.Unknown || res.Code != "916" {
		t.Fatalf("a 916 given inside the window = %+v, want Unknown (the charge stands: %+v)", res, r.sim.Ledger())
	}
	if res := r.w.Resolve(context.Background(), req); res.Kind != providers.Voided || res.Code == "916" {
		t.Fatalf("the next Cancel = %+v, want the charge voided", res)
	}
	if c := charges(t, r.sim, req.Ref[jkopay.RefMerchantTradeNo]); len(c) != 1 || !c[0].Voided {
		t.Fatalf("ledger = %+v, want the one charge voided", c)
	}
}

// After a restart the wallet has no record of the Payment: it was over by
// the time the new wallet was opened, so the window runs from then (not
// from PosTradeTime, which can be long before a resend).
func TestAfterARestartTheWindowRunsFromOpening(t *testing.T) {
	r := newClockRig(t)
	req := r.payment(t, 140)
	r.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	if out := r.w.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("pay = %+v", out)
	}
	r.advance(5 * time.Second)
	restarted := openWallet(t, r.sim.JKOConfig(), providers.Env{Logger: slog.New(slog.DiscardHandler), Now: r.clock})
	r.advance(12 * time.Second) // 17 s after PosTradeTime, 12 s after opening
	if res := restarted.Resolve(context.Background(), req); res.Kind != providers.Unknown || res.Code != "916" {
		t.Fatalf("resolve = %+v, want Unknown inside the window", res)
	}
	r.advance(3 * time.Second)
	if res := restarted.Resolve(context.Background(), req); res.Kind != providers.Voided || res.Code != "916" {
		t.Fatalf("resolve = %+v, want Voided", res)
	}
	if len(r.sim.Ledger()) != 0 {
		t.Fatal("charged")
	}
}

// An HTTP status other than 200 is never a decline or a config error that
// ends the payment: whatever answered it (a proxy, a load balancer, a
// wrong host) may have passed the Payment on to JKOPay first. It is
// Unknown, settled by Cancel; a 404 says to check base_url.
func TestHTTPErrorsOnPaymentAreUnknown(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		forward  bool // the proxy passes the Payment to JKOPay, then answers status
		wantText string
	}{
		{"404 from a proxy that passed the Payment on", http.StatusNotFound, true, "base_url"},
		{"404, nothing passed on", http.StatusNotFound, false, "base_url"},
		{"400 from a proxy that passed the Payment on", http.StatusBadRequest, true, "HTTP 400"},
		{"401 from a proxy", http.StatusUnauthorized, false, "HTTP 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, wallettest.Options{}, nil)
			w := r.behindPaymentProxy(t, func(w http.ResponseWriter, req *http.Request) {
				if tt.forward {
					r.sim.Handler().ServeHTTP(httptest.NewRecorder(), req)
				}
				http.Error(w, "<html>not here</html>", tt.status)
			})
			req := r.payment(t, r.sim.IssueCode(), 110)
			out := w.Pay(context.Background(), req)
			if out.Kind != providers.Unknown || out.NotSent || !strings.Contains(out.Message, tt.wantText) {
				t.Fatalf("pay = %+v, want Unknown (may have been sent) naming %q", out, tt.wantText)
			}
			clockMoves() // the simulator's "no window" is 1 ns after the Payment
			res := w.Resolve(context.Background(), req)
			if res.Kind != providers.Voided {
				t.Fatalf("resolve = %+v, want Voided", res)
			}
			for _, c := range charges(t, r.sim, req.Ref[jkopay.RefMerchantTradeNo]) {
				if !c.Voided {
					t.Fatalf("the charge behind the %d stands after the resolve: %+v", tt.status, c)
				}
			}
		})
	}
}

func TestHealthNamesBaseURLOn404(t *testing.T) {
	r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) { c.BaseURL += "-wrong" })
	if err := r.w.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "base_url") {
		t.Fatalf("health = %v", err)
	}
}

// A Cancel whose answer was lost already cancelled the trade; the simulator
// must not then "decline" the repeat (JKOPay's own rule is to send Cancel
// until it is answered), or the engine would try to refund a voided trade
// and never finish giving the payment back.
func TestRepeatedVoidAfterLostAnswerIsDone(t *testing.T) {
	r := newRig(t, wallettest.Options{}, nil)
	pay := r.payment(t, r.sim.IssueCode(), 75)
	approval := r.w.Pay(context.Background(), pay)
	if approval.Kind != providers.Approved {
		t.Fatalf("pay = %+v", approval)
	}
	r.sim.Inject(wallettest.CallCancel, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Unknown {
		t.Fatalf("void with its answer lost = %+v, want Unknown", out)
	}
	r.sim.Inject(wallettest.CallCancel, wallettest.Fault{Kind: wallettest.Decline, Code: "934"})
	if out := r.w.Void(context.Background(), pay, approval); out.Kind != providers.Voided {
		t.Fatalf("repeated void of a cancelled trade = %+v, want Voided", out)
	}
	if c := charges(t, r.sim, pay.Ref[jkopay.RefMerchantTradeNo]); len(c) != 1 || !c[0].Voided {
		t.Fatalf("ledger = %+v, want one voided charge", c)
	}
}
