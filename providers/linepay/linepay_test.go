package linepay_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
	"github.com/scanpay/scanpay/providers/linepay"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

type fixture struct {
	sim    *linepaytest.Sim
	wallet *linepay.Wallet
	log    *gatewaytest.LogBuffer
	clock  *gatewaytest.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{log: &gatewaytest.LogBuffer{}, clock: gatewaytest.NewClock(time.Now())}
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.sim = linepaytest.New(wallettest.Options{Now: f.clock.Now, Logger: logger})
	t.Cleanup(f.sim.Close)
	f.wallet = f.open(t, f.sim.LinePayConfig(), logger)
	return f
}

func (f *fixture) open(t *testing.T, cfg *linepay.Config, logger *slog.Logger) *linepay.Wallet {
	t.Helper()
	w, err := cfg.Open(providers.Env{Logger: logger, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return w.(*linepay.Wallet)
}

func (f *fixture) payment(t *testing.T, amount int64) providers.PayRequest {
	t.Helper()
	req := providers.PayRequest{
		PaymentID: "pay-1", TerminalID: "LANE-01", OrderNumber: "POS-20261207-0007", Amount: amount,
		Description: "test basket", Code: f.sim.IssueCode(), CreatedAt: f.clock.Now(), Attempt: 1,
	}
	ref, err := f.wallet.NewRef(req, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	req.Ref = ref
	return req
}

func (f *fixture) charges(t *testing.T, req providers.PayRequest) []wallettest.Charge {
	t.Helper()
	var out []wallettest.Charge
	for _, c := range f.sim.Ledger() {
		if c.Key == req.Ref[linepay.RefOrderID] {
			if c.Amount != req.Amount || c.MaskedCode != mask.Code(req.Code) {
				t.Fatalf("charge %+v does not match the payment", c)
			}
			out = append(out, c)
		}
	}
	return out
}

func TestPayApproved(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 110)
	out := f.wallet.Pay(context.Background(), req)
	if out.Kind != providers.Approved || out.AmountPaid != 110 || len(out.TransactionID) != 19 || out.PaymentMethod != "balance" {
		t.Fatalf("outcome %+v", out)
	}
	if cs := f.charges(t, req); len(cs) != 1 || cs[0].TransactionID != out.TransactionID {
		t.Fatalf("charges %+v vs %+v", cs, out)
	}
}

// Magic amounts are declined with LINE Pay's codes and charge nothing.
func TestDeclines(t *testing.T) {
	tests := []struct {
		amount int64
		code   string
		retry  bool
	}{{928, "1142", true}, {906, "1180", true}, {927, "1101", true}, {911, "1141", false}, {931, "1179", false}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.amount), func(t *testing.T) {
			f := newFixture(t)
			out := f.wallet.Pay(context.Background(), f.payment(t, tc.amount))
			want := providers.Declined
			if linepay.PayCode(tc.code).Kind == providers.Unknown {
				want = providers.Unknown // 1179 says nothing of the money: the check settles it
			}
			if out.Kind != want || out.Code != tc.code || out.RetryScan != (tc.retry && want == providers.Declined) {
				t.Fatalf("%+v", out)
			}
			if len(f.sim.Ledger()) != 0 {
				t.Fatal("a decline charged")
			}
		})
	}
}

// The code lives 5 minutes on the simulator's clock, and pays one order.
func TestOneTimeKeyLifetimeAndSingleUse(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 100)
	f.clock.Advance(linepay.DefaultCodeTTL + time.Second)
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Declined || out.Code != "1180" || !out.RetryScan {
		t.Fatalf("expired: %+v", out)
	}
	first := f.payment(t, 100)
	if out := f.wallet.Pay(context.Background(), first); out.Kind != providers.Approved {
		t.Fatal(out)
	}
	second := f.payment(t, 100)
	second.Code = first.Code
	if out := f.wallet.Pay(context.Background(), second); out.Kind != providers.Declined || out.Code != "1101" {
		t.Fatalf("reused key: %+v", out)
	}
}

// A resend of the same orderId is answered 1172, never charged twice; the
// status check then tells the truth.
func TestDuplicateOrderIs1172AndResolvedByCheck(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 250)
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown || out.NotSent {
		t.Fatalf("lost answer: %+v", out)
	}
	req.Attempt = 2
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown || out.Code != "1172" {
		t.Fatalf("resend: %+v", out)
	}
	res := f.wallet.Resolve(context.Background(), req)
	if res.Kind != providers.Approved || !res.Duplicate {
		t.Fatalf("resolve: %+v", res)
	}
	cs := f.charges(t, req)
	if len(cs) != 1 || cs[0].Requests != 2 || cs[0].TransactionID != res.TransactionID {
		t.Fatalf("charges %+v", cs)
	}
}

// TestCheckCompleteOfAnotherAmountIsNoApproval: a status check that
// finds the orderId COMPLETE for another amount than this payment's (an
// orderId LINE Pay saw before, answered 1172 to this Payment) is not this
// payment's approval: it stays Unknown with the code, for the operator,
// as Pay's own success answer does when its payInfo disagrees.
func TestCheckCompleteOfAnotherAmountIsNoApproval(t *testing.T) {
	f := newFixture(t)
	earlier := f.payment(t, 100)
	if out := f.wallet.Pay(context.Background(), earlier); out.Kind != providers.Approved {
		t.Fatalf("earlier payment: %+v", out)
	}
	req := f.payment(t, 120)
	req.Ref = earlier.Ref
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown || out.Code != "1172" {
		t.Fatalf("pay on a seen orderId: %+v", out)
	}
	res := f.wallet.Resolve(context.Background(), req)
	if res.Kind != providers.Unknown || res.Code == "" || !strings.Contains(res.Message, "100") {
		t.Fatalf("resolve: %+v, want Unknown naming the 100 TWD LINE Pay reports", res)
	}
	if n := len(f.sim.Ledger()); n != 1 {
		t.Fatalf("%d charges, want the earlier one only", n)
	}
}

// The fault matrix of Pay: never a decline for a charge, and Resolve ends
// each case true, with one charge or none.
func TestPayFaultsResolveToTheTruth(t *testing.T) {
	tests := []struct {
		name    string
		fault   wallettest.Fault
		charged bool
	}{
		{"hang", wallettest.Fault{Kind: wallettest.Hang}, false},
		{"drop before", wallettest.Fault{Kind: wallettest.DropBeforeCharge}, false},
		{"drop after", wallettest.Fault{Kind: wallettest.DropAfterCharge}, true},
		{"5xx", wallettest.Fault{Kind: wallettest.ServerError}, false},
		{"garbage", wallettest.Fault{Kind: wallettest.Malformed}, true},
		{"truncated", wallettest.Fault{Kind: wallettest.Truncated}, true},
		{"401", wallettest.Fault{Kind: wallettest.Unauthorized}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if out := f.wallet.Pay(ctx, req); out.Kind != providers.Unknown {
				t.Fatalf("pay: %+v, want unknown", out)
			}
			res := f.wallet.Resolve(context.Background(), req)
			if tc.charged {
				if res.Kind != providers.Approved || len(f.charges(t, req)) != 1 {
					t.Fatalf("resolve: %+v, ledger %+v", res, f.sim.Ledger())
				}
				return
			}
			// Not charged: unknown (no code) while the key may still be
			// used, then voided once its lifetime is over.
			if res.Kind != providers.Unknown || res.Code != "" {
				t.Fatalf("resolve within the key's lifetime: %+v", res)
			}
			f.clock.Advance(linepay.DefaultCodeTTL + time.Second)
			if res = f.wallet.Resolve(context.Background(), req); res.Kind != providers.Voided {
				t.Fatalf("resolve after it: %+v", res)
			}
			// The void remembered the orderId: a late Payment cannot charge it.
			req.Attempt = 2
			if out := f.wallet.Pay(context.Background(), req); out.Kind == providers.Approved {
				t.Fatalf("a late payment after the void charged: %+v", out)
			}
			if len(f.sim.Ledger()) != 0 {
				t.Fatalf("ledger %+v", f.sim.Ledger())
			}
		})
	}
}

// A declined first send whose answer was lost: the check says FAIL.
func TestLostDeclineIsDeclinedByCheck(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 928)
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatal(out)
	}
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Declined {
		t.Fatalf("%+v", res)
	}
}

// Faults on the status check leave the payment unknown, never guessed.
func TestCheckFaultsStayUnknown(t *testing.T) {
	for _, fk := range []wallettest.FaultKind{wallettest.DropBeforeCharge, wallettest.ServerError, wallettest.Malformed, wallettest.Unauthorized, wallettest.Decline} {
		t.Run(fk.String(), func(t *testing.T) {
			f := newFixture(t)
			req := f.payment(t, 120)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
			f.wallet.Pay(context.Background(), req)
			f.sim.Inject(wallettest.CallSearch, wallettest.Fault{Kind: fk})
			if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown {
				t.Fatalf("%+v", res)
			}
			if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Approved {
				t.Fatalf("after the fault: %+v", res)
			}
		})
	}
}

// TestSlowNoTransactionIsNotYetVoid: a 1150 that LINE Pay gave before
// the code's lifetime (+ margin) ended, but that arrived after it (a slow
// answer within the timeout), is evidence from before the deadline: the
// payment stays Unknown and nothing is voided. The next check, asked
// after the deadline, settles it.
func TestSlowNoTransactionIsNotYetVoid(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 130)
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("pay: %+v", out)
	}
	wait := linepay.DefaultCodeTTL + time.Nanosecond // the sim's code_ttl + settle_margin
	// A real server in front of the sim: the check is answered 1150 now,
	// and the answer takes a second to come back.
	var voids atomic.Int32
	late := wallettest.AnswerLate(f.sim.Handler(),
		func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/"+linepay.CallCheck) },
		func() { f.clock.Advance(time.Second) })
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/"+linepay.CallVoid) {
			voids.Add(1)
		}
		late.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	cfg := f.sim.LinePayConfig()
	cfg.BaseURL = slow.URL
	f.wallet = f.open(t, cfg, slog.New(slog.NewTextHandler(f.log, nil)))
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown {
		t.Fatalf("first check of this process: %+v", res)
	}
	f.clock.Advance(wait - 2*time.Second) // the next check is asked 1 s before the deadline
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown || voids.Load() != 0 {
		t.Fatalf("a 1150 given before the deadline: %+v after %d voids, want Unknown and none", res, voids.Load())
	}
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Voided || voids.Load() != 1 {
		t.Fatalf("asked after the deadline: %+v after %d voids, want Voided after one", res, voids.Load())
	}
	if n := len(f.sim.Ledger()); n != 0 {
		t.Fatalf("%d charges", n)
	}
}

// Void is a full refund; repeated, LINE Pay answers 1165 and it is still
// done. A refund is full only and safe to resend the same way.
func TestVoidAndRefund(t *testing.T) {
	f := newFixture(t)
	req := f.payment(t, 300)
	approval := f.wallet.Pay(context.Background(), req)
	f.sim.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := f.wallet.Void(context.Background(), req, approval); out.Kind != providers.Unknown {
		t.Fatalf("lost void answer: %+v", out)
	}
	if out := f.wallet.Void(context.Background(), req, approval); out.Kind != providers.Voided || !out.Duplicate || out.Code != "1165" {
		t.Fatalf("void again: %+v", out)
	}
	if c := f.charges(t, req)[0]; c.Refunded != 300 {
		t.Fatalf("charge %+v", c)
	}
	if f.wallet.PartialRefunds() {
		t.Fatal("partial refunds must be off: a LINE Pay refund has no key of its own")
	}

	pay2 := f.payment(t, 200)
	approval = f.wallet.Pay(context.Background(), pay2)
	rr := providers.RefundRequest{RefundID: "r1", Payment: pay2, Approval: approval, Amount: 200, Full: true, Attempt: 1}
	ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rr.Ref = ref
	f.sim.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.ServerError})
	if out := f.wallet.Refund(context.Background(), rr); out.Kind != providers.Unknown {
		t.Fatalf("refund 500: %+v", out)
	}
	rr.Attempt = 2
	if out := f.wallet.Refund(context.Background(), rr); out.Kind != providers.Approved || out.Duplicate || out.AmountPaid != 200 {
		t.Fatalf("refund: %+v", out)
	}
	if c := f.charges(t, pay2)[0]; c.Refunded != 200 || len(f.sim.Books().Refunds(c.Key)) != 1 {
		t.Fatalf("charge %+v", c)
	}
	// An order LINE Pay never charged cannot be refunded: declined.
	ghost := f.payment(t, 50)
	rr = providers.RefundRequest{Payment: ghost, Amount: 50, Full: true, Attempt: 1}
	if out := f.wallet.Refund(context.Background(), rr); out.Kind != providers.Declined || out.Code != "1150" {
		t.Fatalf("refund of nothing: %+v", out)
	}
}

// Wrong credentials are a configuration error (1106), for Pay and Health,
// and name no secret.
func TestWrongSecret(t *testing.T) {
	f := newFixture(t)
	cfg := f.sim.LinePayConfig()
	cfg.ChannelSecret = "not-the-channel-secret-42"
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w := f.open(t, cfg, slog.New(slog.NewTextHandler(f.log, nil)))
	out := w.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.ConfigError || out.Code != "1106" || strings.Contains(out.Message, "not-the-channel-secret-42") {
		t.Fatalf("%+v", out)
	}
	if err := w.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "channel_secret") {
		t.Fatalf("health: %v", err)
	}
	if err := f.wallet.Health(context.Background()); err != nil {
		t.Fatalf("health with the right secret: %v", err)
	}
	if strings.Contains(f.log.String(), linepaytest.ChannelSecret) || strings.Contains(f.log.String(), "not-the-channel-secret-42") {
		t.Fatal("a channel secret reached the log")
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("charged with a wrong secret")
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
	cfg := f.sim.LinePayConfig()
	cfg.BaseURL = "http://" + addr
	out := f.open(t, cfg, nil).Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.Unknown || !out.NotSent {
		t.Fatalf("%+v", out)
	}
}

// Every field is checked before anything is sent.
func TestBadRequestsAreRefusedBeforeSending(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		mod  func(*providers.PayRequest)
		want string
	}{
		{"short key", func(r *providers.PayRequest) { r.Code = "38123" }, "LINE Pay code"},
		{"letters in key", func(r *providers.PayRequest) { r.Code = "38A111111111111111" }, "LINE Pay code"},
		{"zero amount", func(r *providers.PayRequest) { r.Amount = 0 }, "amount"},
		{"no order", func(r *providers.PayRequest) { r.OrderNumber = " " }, "order_number"},
		{"terminal with a space", func(r *providers.PayRequest) { r.TerminalID = "LANE 1" }, "terminal_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := providers.PayRequest{OrderNumber: "A1", Amount: 10, Code: "381111111111111111", TerminalID: "L1"}
			tc.mod(&req)
			if _, err := f.wallet.NewRef(req, time.Now()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			req.Ref = providers.Ref{linepay.RefOrderID: "A1-00000000"}
			want := providers.ConfigError
			if !linepay.ValidOneTimeKey(req.Code) {
				want = providers.Declined // a bad scan: scan again
			}
			if out := f.wallet.Pay(context.Background(), req); out.Kind != want {
				t.Fatalf("pay of a bad request: %+v, want %s", out, want)
			}
		})
	}
	body := linepay.PayBody{ProductName: "x", Amount: 1, Currency: "TWD", OrderID: strings.Repeat("a", 101), OneTimeKey: "381111111111111111", Capture: true}
	if err := body.Check(); err == nil || !strings.Contains(err.Error(), "orderId") {
		t.Fatalf("101-long orderId: %v", err)
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("a bad request reached the wallet")
	}
}

func TestNewRefIsUniqueAndBounded(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for i := range 200 {
		req := providers.PayRequest{OrderNumber: fmt.Sprintf("%s-%d/訂單", strings.Repeat("9", 150), i), Amount: 1, Code: "381111111111111111"}
		ref, err := f.wallet.NewRef(req, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		id := ref[linepay.RefOrderID]
		if len(id) > linepay.MaxOrderID || !linepay.ValidOrderID(id) || !strings.Contains(id, fmt.Sprintf("-%d", i)) || seen[id] {
			t.Fatalf("orderId %q", id)
		}
		seen[id] = true
	}
}

// TestNewRefRandomPart: LINE Pay answers an orderId it has seen before
// with 1172 and its status check then reports that earlier order, so two
// payments of one POS order number (numbers that restart each day, lanes
// sharing a channel) must not draw the same orderId: the random part
// carries at least 64 bits, not a 32-bit one whose birthday bound is a
// few ten thousand payments.
func TestNewRefRandomPart(t *testing.T) {
	f := newFixture(t)
	for _, order := range []string{"0001", strings.Repeat("9", 150)} {
		req := providers.PayRequest{OrderNumber: order, Amount: 1, Code: "381111111111111111"}
		ref, err := f.wallet.NewRef(req, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		id := ref[linepay.RefOrderID]
		i := strings.LastIndexByte(id, '-')
		random := id[i+1:]
		if i < 0 || len(random) < 16 || strings.Trim(random, "0123456789ABCDEF") != "" || len(id) > linepay.MaxOrderID {
			t.Errorf("order %.10s…: orderId %q has random part %q, want at least 16 hex digits (64 bits)", order, id, random)
		}
	}
}

func TestConfigFromTOML(t *testing.T) {
	d, ok := providers.Lookup(linepay.Name)
	if !ok || len(d.Rules) == 0 {
		t.Fatal("linepay is not registered with its classification rule")
	}
	tests := []struct{ name, toml, want string }{
		{"complete", "channel_id = \"1234567890\"\nchannel_secret_env = \"LP\"", ""},
		{"no id", "channel_secret = \"s\"", "channel_id"},
		{"id not digits", "channel_id = \"abc\"\nchannel_secret = \"s\"", "channel_id"},
		{"no secret", "channel_id = \"1\"", "channel_secret"},
		{"bad url", "base_url = \"ftp://x\"\nchannel_id = \"1\"\nchannel_secret = \"s\"", "base_url"},
		{"device type with space", "channel_id = \"1\"\nchannel_secret = \"s\"\ndevice_type = \"a b\"", "device_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := d.NewConfig()
			if _, err := toml.Decode(tc.toml, cfg); err != nil {
				t.Fatal(err)
			}
			env := providers.Env{LookupEnv: func(k string) (string, bool) { return "sekrit", k == "LP" }}
			err := cfg.Provision(env)
			if err == nil {
				err = cfg.Validate()
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if l := cfg.Limits(); l.CodeTTL != 5*time.Minute || l.Timeout != 40*time.Second {
					t.Fatalf("limits %+v", l)
				}
				if s := fmt.Sprint(cfg); strings.Contains(s, "sekrit") {
					t.Fatalf("config prints its secret: %s", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// Every code of the appendix's table is mapped, and the money rule holds:
// a code that may hide a charge is never a decline.
func TestReturnCodeTable(t *testing.T) {
	for _, code := range []string{"1145", "1169", "1172", "1198", "1199", "9000", "1280", "7777"} {
		if k := linepay.PayCode(code).Kind; k != providers.Unknown {
			t.Errorf("%s is %s, want unknown", code, k)
		}
	}
	for _, code := range []string{"1104", "1105", "1106", "1178"} {
		if k := linepay.PayCode(code).Kind; k != providers.ConfigError {
			t.Errorf("%s is %s, want config_error", code, k)
		}
	}
	for _, code := range []string{"1101", "1142", "1180", "1281", "1282"} {
		if c := linepay.PayCode(code); c.Kind != providers.Declined || !c.RetryScan {
			t.Errorf("%s is %+v, want a decline asking for a new scan", code, c)
		}
	}
	if n := len(linepay.PayCodes()); n < 35 {
		t.Fatalf("only %d codes mapped", n)
	}
}
