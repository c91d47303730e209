package easywallet_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet"
	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

type fixture struct {
	sim    *easywallettest.Sim
	wallet *easywallet.Wallet
	log    *gatewaytest.LogBuffer
	clock  *gatewaytest.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{log: &gatewaytest.LogBuffer{}, clock: gatewaytest.NewClock(time.Now())}
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.sim = easywallettest.New(wallettest.Options{CodeTTL: time.Minute, Now: f.clock.Now, Logger: logger})
	t.Cleanup(f.sim.Close)
	cfg := f.sim.Config()
	env := providers.Env{Logger: logger, Now: f.clock.Now}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(env)
	if err != nil {
		t.Fatal(err)
	}
	f.wallet = w.(*easywallet.Wallet)
	return f
}

func (f *fixture) payment(t *testing.T, amount int64) providers.PayRequest {
	t.Helper()
	req := providers.PayRequest{
		PaymentID: "pay-1", TerminalID: "AB123456", OrderNumber: "POS-20240901-0007", Amount: amount, Undiscountable: 0,
		Description: "test basket", Code: f.sim.IssueCode(), CreatedAt: f.clock.Now(), Attempt: 1,
		Items: []providers.Item{{Name: "紅茶", Quantity: 1, UnitPrice: amount, Subtotal: amount}},
	}
	ref, err := f.wallet.NewRef(req, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Ref = ref
	return req
}

func (f *fixture) onlyCharge(t *testing.T, req providers.PayRequest) wallettest.Charge {
	t.Helper()
	charges := f.sim.Ledger()
	if len(charges) != 1 {
		t.Fatalf("ledger has %d charges, want exactly 1: %+v", len(charges), charges)
	}
	c := charges[0]
	if c.Key != req.Ref[easywallet.RefMerchantOrderNo] || c.Amount != req.Amount || c.MaskedCode != mask.Code(req.Code) {
		t.Fatalf("charge %+v does not match the payment", c)
	}
	return c
}

func TestPayApproved(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 110)
	out := f.wallet.Pay(context.Background(), req)
	if out.Kind != providers.Approved || out.Duplicate || out.AmountPaid != 110 || out.TransactionID == "" || out.PaymentMethod != "BALANCE" {
		t.Fatalf("outcome %+v", out)
	}
	c := f.onlyCharge(t, req)
	if c.TransactionID != out.TransactionID || c.Requests != 1 {
		t.Fatalf("charge %+v vs outcome %+v", c, out)
	}
}

func TestPayDeclinedByMagicAmount(t *testing.T) {
	tests := []struct {
		amount int64
		code   string
	}{
		{928, easywallettest.CodeInsufficient},
		{906, easywallettest.CodeExpired},
		{927, easywallettest.CodeInvalid},
		{931, easywallettest.CodeLimit},
		{911, easywallettest.CodeSuspended},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.amount), func(t *testing.T) {
			f := newFixture(t)
			out := f.wallet.Pay(context.Background(), f.payment(t, tc.amount))
			if out.Kind != providers.Declined || out.Code != tc.code || !out.RetryScan || out.Message == "" {
				t.Fatalf("outcome %+v", out)
			}
			if n := len(f.sim.Ledger()); n != 0 {
				t.Fatalf("a decline charged %d times", n)
			}
		})
	}
}

// A resend settles a payment whose first answer was lost, as the wallet
// designed resends: its answer states isDuplicatedPaymentRequest, so a
// replayed decline (true) is the original decline, a decline of an order
// the wallet sees first (false) is this send's decline, and a replayed
// approval is approved and marked duplicate. Resolve and Pay's own resends
// agree; the ledger shows what really happened.
func TestAResendWithTheFlagSettlesALostAnswer(t *testing.T) {
	tests := []struct {
		name      string
		amount    int64
		fault     wallettest.Fault
		first     providers.Kind // what the first send reads as
		advance   time.Duration  // the code's lifetime passes before the resend
		kind      providers.Kind
		code      string
		duplicate bool
		charged   bool
	}{
		{"decline answered, resent anyway", 500, wallettest.Fault{Kind: wallettest.Decline, Code: easywallettest.CodeLimit},
			providers.Declined, 0, providers.Declined, easywallettest.CodeLimit, true, false},
		{"decline answer lost", 928, wallettest.Fault{Kind: wallettest.DropAfterCharge},
			providers.Unknown, 0, providers.Declined, easywallettest.CodeInsufficient, true, false},
		{"decline answer garbled", 931, wallettest.Fault{Kind: wallettest.Malformed},
			providers.Unknown, 0, providers.Declined, easywallettest.CodeLimit, true, false},
		{"first send lost, code expired before the resend", 260, wallettest.Fault{Kind: wallettest.DropBeforeCharge},
			providers.Unknown, 2 * time.Minute, providers.Declined, easywallettest.CodeExpired, false, false},
		{"approval answer lost", 260, wallettest.Fault{Kind: wallettest.DropAfterCharge},
			providers.Unknown, 0, providers.Approved, easywallettest.CodeOK, true, true},
	}
	for _, tc := range tests {
		for _, via := range []string{"resolve", "pay resend"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				f := newFixture(t)
				req := f.payment(t, tc.amount)
				f.sim.Inject(wallettest.CallPay, tc.fault)
				if out := f.wallet.Pay(context.Background(), req); out.Kind != tc.first {
					t.Fatalf("first send: %+v, want %v", out, tc.first)
				}
				f.clock.Advance(tc.advance)
				req.Attempt = 2
				out := f.resend(via, req)
				if out.Kind != tc.kind || out.Code != tc.code || out.Duplicate != tc.duplicate || out.Message == "" {
					t.Fatalf("resend: %+v, want %v %s duplicate=%v", out, tc.kind, tc.code, tc.duplicate)
				}
				if out.Kind == providers.Declined && !out.RetryScan {
					t.Fatalf("a decline asks for a new scan: %+v", out)
				}
				if tc.charged {
					if c := f.onlyCharge(t, req); c.TransactionID != out.TransactionID {
						t.Fatalf("resend says %s, ledger %s", out.TransactionID, c.TransactionID)
					}
				} else if n := len(f.sim.Ledger()); n != 0 {
					t.Fatalf("a declined payment charged: %+v", f.sim.Ledger())
				}
			})
		}
	}
}

func (f *fixture) resend(via string, req providers.PayRequest) providers.Outcome {
	if via == "resolve" {
		return f.wallet.Resolve(context.Background(), req)
	}
	return f.wallet.Pay(context.Background(), req)
}

// A refusal without isDuplicatedPaymentRequest — the order number refused
// as repeated (the spec says it must never repeat) — says nothing about
// the first send, which may have charged: the payment stays Unknown, from
// Resolve and from Pay's own resends, naming the wallet's code, whether the
// first send charged, was declined, or never arrived.
func TestAFlaglessRefusalOfAResendStaysUnknown(t *testing.T) {
	tests := []struct {
		name    string
		amount  int64
		fault   wallettest.Fault
		charged bool // the first send charged
	}{
		{"first send charged, answer lost", 260, wallettest.Fault{Kind: wallettest.DropAfterCharge}, true},
		{"first send charged, answer garbled", 260, wallettest.Fault{Kind: wallettest.Malformed}, true},
		{"first send declined, answer lost", 928, wallettest.Fault{Kind: wallettest.DropAfterCharge}, false},
		{"first send lost", 260, wallettest.Fault{Kind: wallettest.DropBeforeCharge}, false},
	}
	for _, tc := range tests {
		for _, via := range []string{"resolve", "pay resend"} {
			t.Run(tc.name+"/"+via, func(t *testing.T) {
				f := newFixture(t)
				f.sim.RefuseRepeatedOrders(true)
				req := f.payment(t, tc.amount)
				f.sim.Inject(wallettest.CallPay, tc.fault)
				if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown {
					t.Fatalf("first send: %+v, want unknown", out)
				}
				req.Attempt = 2
				out := f.resend(via, req)
				code := easywallettest.CodeRepeatedOrder
				if tc.fault.Kind == wallettest.DropBeforeCharge {
					// The first send never reached the wallet: the resend is
					// its first sight of the order, and charges.
					if out.Kind != providers.Approved || out.Duplicate {
						t.Fatalf("resend: %+v, want approved", out)
					}
					f.onlyCharge(t, req)
					// A further resend is refused without the flag.
					req.Attempt = 3
					out = f.resend(via, req)
				}
				if out.Kind != providers.Unknown || out.Code != code || !strings.Contains(out.Message, code) || out.RetryScan {
					t.Fatalf("resend: %+v, want unknown naming %s", out, code)
				}
				if n := len(f.sim.Ledger()); (n == 1) != (tc.charged || tc.fault.Kind == wallettest.DropBeforeCharge) {
					t.Fatalf("ledger %+v", f.sim.Ledger())
				}
			})
		}
	}
}

// Every way an answer can go missing or bad: Pay says Unknown (never
// declined), Resolve (the identical resend) tells the truth, and the ledger
// shows exactly one charge.
func TestUnknownOutcomesResolveToTheLedgersTruth(t *testing.T) {
	tests := []struct {
		name        string
		fault       wallettest.Fault
		ctxTimeout  time.Duration
		chargedBy   string // "first" or "resend"
		wantNotSent bool
	}{
		{"answer lost after the charge", wallettest.Fault{Kind: wallettest.DropAfterCharge}, 0, "first", false},
		{"dropped before the charge", wallettest.Fault{Kind: wallettest.DropBeforeCharge}, 0, "resend", false},
		{"hang past the timeout", wallettest.Fault{Kind: wallettest.Hang}, 300 * time.Millisecond, "resend", false},
		{"HTTP 500", wallettest.Fault{Kind: wallettest.ServerError}, 0, "resend", false},
		{"malformed answer", wallettest.Fault{Kind: wallettest.Malformed}, 0, "first", false},
		{"truncated answer", wallettest.Fault{Kind: wallettest.Truncated}, 0, "first", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			req := f.payment(t, 250)
			f.sim.Inject(wallettest.CallPay, tc.fault)
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			out := f.wallet.Pay(ctx, req)
			if out.Kind != providers.Unknown || out.NotSent != tc.wantNotSent || out.Message == "" {
				t.Fatalf("pay: %+v, want unknown", out)
			}
			req.Attempt = 2
			res := f.wallet.Resolve(context.Background(), req)
			if res.Kind != providers.Approved {
				t.Fatalf("resolve: %+v, want approved", res)
			}
			if want := tc.chargedBy == "first"; res.Duplicate != want {
				t.Fatalf("resolve Duplicate = %v, want %v", res.Duplicate, want)
			}
			c := f.onlyCharge(t, req)
			if c.TransactionID != res.TransactionID {
				t.Fatalf("resolve says %s, ledger %s", res.TransactionID, c.TransactionID)
			}
		})
	}
}

func TestExpiredTokenIsRenewedOnceAndThePaymentResent(t *testing.T) {
	f := newFixture(t)
	if out := f.wallet.Pay(context.Background(), f.payment(t, 100)); out.Kind != providers.Approved {
		t.Fatal(out)
	}
	f.sim.Auth().Expire()
	req := f.payment(t, 200)
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Approved || out.Duplicate {
		t.Fatalf("after expiry: %+v", out)
	}
	if got := f.sim.Auth().Logins(); got != 2 {
		t.Fatalf("logins = %d, want 2", got)
	}
	if len(f.sim.Ledger()) != 2 {
		t.Fatalf("ledger %+v", f.sim.Ledger())
	}
}

func TestLoginFaultsAndWrongKeys(t *testing.T) {
	f := newFixture(t)
	f.sim.Inject(wallettest.CallLogin, wallettest.Fault{Kind: wallettest.ServerError})
	out := f.wallet.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.Unknown || !out.NotSent {
		t.Fatalf("login 500: %+v, want unknown, not sent", out)
	}

	cfg := f.sim.Config().(*easywallet.Config)
	cfg.AccKey = "wrong-acc-key-0042"
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out = w.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.ConfigError || strings.Contains(out.Message, "wrong-acc-key-0042") {
		t.Fatalf("wrong keys: %+v", out)
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("charged without a login")
	}
}

func TestConnectionRefusedIsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	f := newFixture(t)
	cfg := f.sim.Config().(*easywallet.Config)
	cfg.BaseURL = "http://" + addr
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out := w.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.Unknown || !out.NotSent {
		t.Fatalf("%+v", out)
	}
}

func TestExpiredCodeIsDeclined(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 100)
	f.clock.Advance(61 * time.Second)
	out := f.wallet.Pay(context.Background(), req)
	if out.Kind != providers.Declined || out.Code != easywallettest.CodeExpired || !out.RetryScan {
		t.Fatalf("%+v", out)
	}
}

func TestACodePaysForOneOrderOnly(t *testing.T) {
	f := newFixture(t)
	first := f.payment(t, 100)
	if out := f.wallet.Pay(context.Background(), first); out.Kind != providers.Approved {
		t.Fatal(out)
	}
	second := f.payment(t, 100)
	second.Code = first.Code
	if out := f.wallet.Pay(context.Background(), second); out.Kind != providers.Declined || out.Code != easywallettest.CodeCodeUsed {
		t.Fatalf("%+v", out)
	}
}

func TestRefunds(t *testing.T) {
	f := newFixture(t)
	pay := f.payment(t, 300)
	approval := f.wallet.Pay(context.Background(), pay)
	if approval.Kind != providers.Approved {
		t.Fatal(approval)
	}
	refund := func(amount int64) (providers.RefundRequest, providers.Outcome) {
		rr := providers.RefundRequest{RefundID: "r", Payment: pay, Approval: approval, Amount: amount, Attempt: 1, CreatedAt: f.clock.Now()}
		ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		rr.Ref = ref
		return rr, f.wallet.Refund(context.Background(), rr)
	}
	if !f.wallet.PartialRefunds() {
		t.Fatal("partial refunds should be allowed")
	}
	_, out := refund(100)
	if out.Kind != providers.Approved || out.AmountPaid != 100 || out.Duplicate {
		t.Fatalf("partial: %+v", out)
	}
	// The answer to a refund is lost; the resend with the same Ref refunds
	// nothing more.
	f.sim.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	rr2, out := refund(150)
	if out.Kind != providers.Unknown {
		t.Fatalf("lost refund answer: %+v", out)
	}
	rr2.Attempt = 2
	if out = f.wallet.Refund(context.Background(), rr2); out.Kind != providers.Approved || !out.Duplicate {
		t.Fatalf("refund resend: %+v", out)
	}
	if _, out = refund(51); out.Kind != providers.Declined || out.Code != easywallettest.CodeRefundExceeds {
		t.Fatalf("over-refund: %+v", out)
	}
	if _, out = refund(50); out.Kind != providers.Approved {
		t.Fatalf("the rest: %+v", out)
	}
	c := f.onlyCharge(t, pay)
	if c.Refunded != 300 || len(f.sim.Refunds(c.Key)) != 3 {
		t.Fatalf("charge %+v refunds %+v", c, f.sim.Refunds(c.Key))
	}
}

func TestNewRefIsUniqueTraceableAndBounded(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	long := strings.Repeat("9", 80)
	for i := range 200 {
		req := providers.PayRequest{OrderNumber: fmt.Sprintf("%s-%d/訂單", long, i), Amount: 1, Code: "99000000000000000001"}
		ref, err := f.wallet.NewRef(req, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		no := ref[easywallet.RefMerchantOrderNo]
		if len(no) > easywallet.MaxOrderNo || !strings.Contains(no, fmt.Sprintf("-%d", i)) || seen[no] {
			t.Fatalf("merchantOrderNo %q: too long, untraceable or repeated", no)
		}
		seen[no] = true
	}
}

func TestBadPaymentsAreRefusedBeforeJournaling(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		mod  func(*providers.PayRequest)
		want string
	}{
		{"zero amount", func(r *providers.PayRequest) { r.Amount = 0 }, "amount"},
		{"undiscountable above amount", func(r *providers.PayRequest) { r.Undiscountable = r.Amount + 1 }, "undiscountable_amount"},
		{"no order", func(r *providers.PayRequest) { r.OrderNumber = " " }, "order_number"},
		{"no code", func(r *providers.PayRequest) { r.Code = "" }, "scan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := providers.PayRequest{OrderNumber: "A1", Amount: 10, Code: "99000000000000000001"}
			tc.mod(&req)
			if _, err := f.wallet.NewRef(req, time.Now()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			req.Ref = providers.Ref{easywallet.RefMerchantOrderNo: "X-1"}
			if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.ConfigError {
				t.Fatalf("pay of a bad request: %+v", out)
			}
		})
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("a bad request reached the wallet")
	}
}

func TestConfigFromTOML(t *testing.T) {
	d, ok := providers.Lookup("easywallet")
	if !ok {
		t.Fatal("easywallet is not registered")
	}
	if len(d.Rules) == 0 {
		t.Fatal("no default classification rule")
	}
	tests := []struct {
		name, toml, want string
		env              map[string]string
	}{
		{"complete", `base_url = "https://gw.example"
auth_key = "a"
acc_key_env = "EW_ACC"
branch_code = "14313"
code_ttl = "90s"`, "", map[string]string{"EW_ACC": "b"}},
		{"no base_url", `auth_key = "a"
acc_key = "b"
branch_code = "1"`, "base_url", nil},
		{"no branch", `base_url = "https://gw.example"
auth_key = "a"
acc_key = "b"`, "branch_code", nil},
		{"two sources", `base_url = "https://gw.example"
auth_key = "a"
auth_key_env = "X"
acc_key = "b"
branch_code = "1"`, "auth_key", nil},
		{"bad refund path", `base_url = "https://gw.example"
auth_key = "a"
acc_key = "b"
branch_code = "1"
refund_path = "refund"`, "refund_path", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := d.NewConfig()
			if _, err := toml.Decode(tc.toml, cfg); err != nil {
				t.Fatal(err)
			}
			env := providers.Env{LookupEnv: func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }}
			err := cfg.Provision(env)
			if err == nil {
				err = cfg.Validate()
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if l := cfg.Limits(); l.CodeTTL != 90*time.Second || l.Timeout != 15*time.Second {
					t.Fatalf("limits %+v", l)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// No log line, outcome message or error carries the full code, a key or
// the token, whatever happens.
func TestNothingSecretLeaks(t *testing.T) {
	f := newFixture(t)
	var msgs []string
	var codes []string
	for _, fault := range []wallettest.Fault{{}, {Kind: wallettest.Malformed}, {Kind: wallettest.Decline}, {Kind: wallettest.ServerError}, {Kind: wallettest.DropAfterCharge}} {
		req := f.payment(t, 120)
		codes = append(codes, req.Code)
		f.sim.Inject(wallettest.CallPay, fault)
		msgs = append(msgs, f.wallet.Pay(context.Background(), req).Message)
		req.Attempt = 2
		msgs = append(msgs, f.wallet.Resolve(context.Background(), req).Message)
	}
	// A request the server refuses as malformed echoes nothing secret either.
	req := f.payment(t, 120)
	req.Code = "12345678901234567890123" // too long for the simulator
	codes = append(codes, req.Code)
	msgs = append(msgs, f.wallet.Pay(context.Background(), req).Message)

	secrets := append([]string{easywallettest.AuthKey, easywallettest.AccKey}, f.sim.Auth().Tokens()...)
	secrets = append(secrets, codes...)
	all := strings.Join(msgs, "\n") + f.log.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatalf("%q leaked:\n%s", s, all)
		}
	}
	if !strings.Contains(f.log.String(), mask.Code(codes[0])) {
		t.Fatal("the logs do not even show the masked code: is logging wired?")
	}
}

// One wallet serves every lane at once: concurrent payments each charge
// once, and share one login.
func TestConcurrentPayments(t *testing.T) {
	f := newFixture(t)
	reqs := make([]providers.PayRequest, 8)
	for i := range reqs {
		reqs[i] = f.payment(t, int64(100+i))
	}
	outs := make([]providers.Outcome, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Go(func() { outs[i] = f.wallet.Pay(context.Background(), reqs[i]) })
	}
	wg.Wait()
	for i, out := range outs {
		if out.Kind != providers.Approved || out.AmountPaid != int64(100+i) {
			t.Fatalf("payment %d: %+v", i, out)
		}
	}
	if n := len(f.sim.Ledger()); n != len(reqs) {
		t.Fatalf("%d charges, want %d", n, len(reqs))
	}
	if n := f.sim.Auth().Logins(); n != 1 {
		t.Fatalf("%d logins, want 1", n)
	}
}

func TestHealthLogsInWithoutCharging(t *testing.T) {
	f := newFixture(t)
	if err := f.wallet.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := f.sim.Config().(*easywallet.Config)
	cfg.AuthKey = "not-the-auth-key-31"
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	err = w.(providers.HealthChecker).Health(context.Background())
	if err == nil || !strings.Contains(err.Error(), "auth_key") || strings.Contains(err.Error(), "not-the-auth-key-31") {
		t.Fatalf("err = %v", err)
	}
	if f.sim.Auth().Logins() != 1 || len(f.sim.Ledger()) != 0 {
		t.Fatal("health charged or logged in more than once")
	}
}

// The [providers.easywallet] table's keys, read and written: cmd decodes
// the table into Config and encodes it back for the effective-config dump,
// so a key may be neither lost nor renamed.
func TestTOMLKeys(t *testing.T) {
	const doc = `base_url = "https://gw.example"
auth_key = "a"
auth_key_file = "af"
auth_key_env = "AE"
acc_key = "b"
acc_key_file = "bf"
acc_key_env = "BE"
branch_code = "14313"
branch_name = "南港南園店"
pos_sn = "A03"
order_title = "6-TEN"
code_ttl = "90s"
timeout = "5s"
refund_path = "/r"
`
	var cfg easywallet.Config
	keys := gatewaytest.TOMLKeys(t, doc, &cfg)
	got := []any{cfg.BaseURL, cfg.AuthKey, cfg.AuthKeyFile, cfg.AuthKeyEnv, cfg.AccKey, cfg.AccKeyFile, cfg.AccKeyEnv,
		cfg.BranchCode, cfg.BranchName, cfg.PosSN, cfg.OrderTitle, cfg.CodeTTL, cfg.Timeout, cfg.RefundPath}
	want := []any{"https://gw.example", "a", "af", "AE", "b", "bf", "BE", "14313", "南港南園店", "A03", "6-TEN", 90 * time.Second, 5 * time.Second, "/r"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("decoded %v, want %v", got, want)
	}
	const all = "acc_key acc_key_env acc_key_file auth_key auth_key_env auth_key_file base_url branch_code branch_name code_ttl order_title pos_sn refund_path timeout"
	if keys != all {
		t.Fatalf("keys written: %s\nwant          %s", keys, all)
	}
}
