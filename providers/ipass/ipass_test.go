package ipass_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
	"github.com/scanpay/scanpay/providers/ipass"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

type fixture struct {
	sim    *ipasstest.Sim
	wallet *ipass.Wallet
	log    *gatewaytest.LogBuffer
	clock  *gatewaytest.Clock
}

func newFixture(t *testing.T, merchant bool) *fixture {
	t.Helper()
	f := &fixture{log: &gatewaytest.LogBuffer{}, clock: gatewaytest.NewClock(time.Now())}
	logger := slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.sim = ipasstest.New(wallettest.Options{CodeTTL: time.Minute, Now: f.clock.Now, Logger: logger})
	t.Cleanup(f.sim.Close)
	cfg := f.sim.Config()
	if merchant {
		cfg = f.sim.MerchantConfig()
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{Logger: logger, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.wallet = w.(*ipass.Wallet)
	return f
}

func (f *fixture) payment(t *testing.T, amount int64) providers.PayRequest {
	t.Helper()
	req := providers.PayRequest{
		PaymentID: "pay-1", TerminalID: "AB123456", OrderNumber: "IXN20231011000001", Amount: amount, Undiscountable: amount / 3,
		Description: "XX 防曬乳*1", Code: f.sim.IssueCode(), CreatedAt: f.clock.Now(), Attempt: 1,
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
		if c.MaskedCode != mask.Code(req.Code) {
			t.Fatalf("a charge of another code: %+v", c)
		}
		if c.Key != req.Ref[ipass.RefOrderNumber] || c.Amount != req.Amount {
			t.Fatalf("charge %+v does not match the payment", c)
		}
		out = append(out, c)
	}
	return out
}

func TestPayApprovedInBothCredentialModes(t *testing.T) {
	for _, merchant := range []bool{false, true} {
		t.Run(fmt.Sprintf("merchant=%v", merchant), func(t *testing.T) {
			f := newFixture(t, merchant)
			req := f.payment(t, 229)
			out := f.wallet.Pay(context.Background(), req)
			if out.Kind != providers.Approved || out.TransactionID == "" || out.AmountPaid != 229 || out.PaymentMethod != "balance" {
				t.Fatalf("%+v", out)
			}
			cs := f.charges(t, req)
			if len(cs) != 1 || cs[0].TransactionID != out.TransactionID {
				t.Fatalf("ledger %+v", cs)
			}
			// A second payment sends a fresh iv; the simulator refuses a
			// reused one.
			if out := f.wallet.Pay(context.Background(), f.payment(t, 10)); out.Kind != providers.Approved {
				t.Fatalf("second payment %+v", out)
			}
		})
	}
}

func TestPayDeclined(t *testing.T) {
	tests := []struct {
		amount int64
		code   string
	}{
		{928, ipasstest.CodeInsufficient},
		{906, ipasstest.CodeExpired},
		{927, ipasstest.CodeInvalid},
		{931, ipasstest.CodeLimit},
		{911, ipasstest.CodeSuspended},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			f := newFixture(t, false)
			out := f.wallet.Pay(context.Background(), f.payment(t, tc.amount))
			if out.Kind != providers.Declined || out.Code != tc.code || !out.RetryScan || out.Message == "" {
				t.Fatalf("%+v", out)
			}
			if len(f.sim.Ledger()) != 0 {
				t.Fatal("a decline charged")
			}
		})
	}
}

// With the production default (no decline_codes: iPass publishes none), a
// refusal code nobody listed is Unknown, never a decline; search and void
// then settle it, and it ends voided with nothing charged.
func TestAnUnlistedCodeIsUnknownAndSettledBySearchAndVoid(t *testing.T) {
	tests := []struct {
		name    string
		fault   wallettest.Fault
		amount  int64
		want    providers.Kind
		charged bool
	}{
		{"the simulator's insufficient balance", wallettest.Fault{}, 928, providers.Voided, false},
		{"an injected unlisted code", wallettest.Fault{Kind: wallettest.Decline, Code: "0199"}, 300, providers.Voided, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			cfg := f.sim.Config().(*ipass.Config)
			cfg.DeclineCodes = nil // the production default
			if err := cfg.Provision(providers.Env{}); err != nil {
				t.Fatal(err)
			}
			w, err := cfg.Open(providers.Env{Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			req := f.payment(t, tc.amount)
			f.sim.Inject(wallettest.CallPay, tc.fault)
			out := w.Pay(context.Background(), req)
			if out.Kind != providers.Unknown || out.Code == "" || !strings.Contains(out.Message, "decline_codes") {
				t.Fatalf("pay: %+v, want unknown naming decline_codes", out)
			}
			res := w.Resolve(context.Background(), req)
			if res.Kind != tc.want {
				t.Fatalf("resolve: %+v, want %v", res, tc.want)
			}
			if cs := f.charges(t, req); (len(cs) == 1 && !cs[0].Voided) != tc.charged {
				t.Fatalf("ledger %+v, charged want %v", cs, tc.charged)
			}
		})
	}
}

// Search is read strictly in meaning: only pay_status says paid, and an
// approval needs the transaction_id, this order number and this amount.
// The payment here was never charged (its send was dropped); a search
// answer that merely looks successful must not approve it.
func TestOnlyAWholeSearchAnswerApproves(t *testing.T) {
	tests := []struct {
		name string
		body string // %[1]s: the order number; %[2]d: the amount
		want providers.Kind
	}{
		{"the API's own status, no pay_status", `{"return_code":"0000","return_msg":"成功","status":"success","order_number":%[1]q}`, providers.Voided},
		{"a generic success word as pay_status", `{"return_code":"0000","pay_status":"success","transaction_id":"e1","order_number":%[1]q,"amount":%[2]d}`, providers.Voided},
		{"paid without a transaction_id", `{"return_code":"0000","pay_status":"1","order_number":%[1]q,"amount":%[2]d}`, providers.Unknown},
		{"paid without an order number", `{"return_code":"0000","pay_status":"1","transaction_id":"e1","amount":%[2]d}`, providers.Unknown},
		{"paid without an amount", `{"return_code":"0000","pay_status":"1","transaction_id":"e1","order_number":%[1]q}`, providers.Unknown},
		{"paid another amount", `{"return_code":"0000","pay_status":"1","transaction_id":"e1","order_number":%[1]q,"amount":%[2]d1}`, providers.Unknown},
		// The control: the same server's whole answer is read as paid.
		{"a whole paid answer", `{"return_code":"0000","pay_status":"1","transaction_id":"e1","order_number":%[1]q,"amount":%[2]d}`, providers.Approved},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			req := f.payment(t, 300)
			// The simulator serves everything but search, whose answer is
			// this case's.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == ipass.SearchPath {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprintf(w, tc.body, req.Ref[ipass.RefOrderNumber], req.Amount)
					return
				}
				f.sim.Handler().ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			cfg := f.sim.Config().(*ipass.Config)
			cfg.BaseURL = srv.URL
			w, err := cfg.Open(providers.Env{Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
			if out := w.Pay(context.Background(), req); out.Kind != providers.Unknown {
				t.Fatalf("pay: %+v", out)
			}
			res := w.Resolve(context.Background(), req)
			if res.Kind != tc.want {
				t.Fatalf("resolve: %+v, want %v", res, tc.want)
			}
			if res.Kind == providers.Approved && res.TransactionID != "e1" {
				t.Fatalf("approved without the search's transaction_id: %+v", res)
			}
			if len(f.sim.Ledger()) != 0 {
				t.Fatal("charged")
			}
		})
	}
}

// Every way an answer can go missing or bad: Pay says Unknown, never
// declined; Resolve (search, then void) ends in the ledger's truth.
func TestUnknownOutcomesResolveToTheLedgersTruth(t *testing.T) {
	tests := []struct {
		name       string
		fault      wallettest.Fault
		ctxTimeout time.Duration
		want       providers.Kind // after Resolve
		code       string         // Pay's outcome code
	}{
		{"answer lost after the charge", wallettest.Fault{Kind: wallettest.DropAfterCharge}, 0, providers.Approved, ""},
		{"malformed answer after the charge", wallettest.Fault{Kind: wallettest.Malformed}, 0, providers.Approved, ""},
		{"truncated answer after the charge", wallettest.Fault{Kind: wallettest.Truncated}, 0, providers.Approved, ""},
		{"dropped before the charge", wallettest.Fault{Kind: wallettest.DropBeforeCharge}, 0, providers.Voided, ""},
		{"hang past the timeout", wallettest.Fault{Kind: wallettest.Hang}, 300 * time.Millisecond, providers.Voided, ""},
		{"HTTP 500", wallettest.Fault{Kind: wallettest.ServerError}, 0, providers.Voided, "500"},
		{"9999 unexpected error", wallettest.Fault{Kind: wallettest.Decline, Code: ipasstest.CodeUnexpected}, 0, providers.Voided, "9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, tc.fault)
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			out := f.wallet.Pay(ctx, req)
			if out.Kind != providers.Unknown || out.NotSent || out.Code != tc.code {
				t.Fatalf("pay: %+v, want unknown (code %q)", out, tc.code)
			}
			res := f.wallet.Resolve(context.Background(), req)
			if res.Kind != tc.want {
				t.Fatalf("resolve: %+v, want %v", res, tc.want)
			}
			cs := f.charges(t, req)
			switch tc.want {
			case providers.Approved:
				if len(cs) != 1 || cs[0].Voided || cs[0].TransactionID != res.TransactionID {
					t.Fatalf("ledger %+v vs %+v", cs, res)
				}
			case providers.Voided:
				if len(cs) != 0 {
					t.Fatalf("ledger %+v, want no charge", cs)
				}
				// The order number is burnt: a late resend cannot charge.
				req.Attempt = 2
				if late := f.wallet.Pay(context.Background(), req); late.Kind != providers.Unknown || late.Code != ipass.ReturnRepeated {
					t.Fatalf("late resend %+v", late)
				}
				if len(f.sim.Ledger()) != 0 {
					t.Fatal("a late resend charged after the void")
				}
			}
		})
	}
}

// A resend after a lost answer meets 0006: Unknown (never a decline), and
// search tells the truth.
func TestRepeatedOrderNumberIsResolvedBySearch(t *testing.T) {
	f := newFixture(t, false)
	req := f.payment(t, 300)
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatal(out)
	}
	req.Attempt = 2
	out := f.wallet.Pay(context.Background(), req)
	if out.Kind != providers.Unknown || out.Code != ipass.ReturnRepeated {
		t.Fatalf("resend: %+v, want unknown 0006", out)
	}
	res := f.wallet.Resolve(context.Background(), req)
	if res.Kind != providers.Approved {
		t.Fatalf("resolve %+v", res)
	}
	cs := f.charges(t, req)
	if len(cs) != 1 || cs[0].Requests != 2 {
		t.Fatalf("ledger %+v: want one charge seen twice", cs)
	}
}

func TestResolveStaysUnknownUntilItCanSettle(t *testing.T) {
	f := newFixture(t, false)
	req := f.payment(t, 300)
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	f.wallet.Pay(context.Background(), req)

	f.sim.Inject(wallettest.CallSearch, wallettest.Fault{Kind: wallettest.ServerError})
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown {
		t.Fatalf("search 500: %+v", res)
	}
	f.sim.Inject(wallettest.CallSearch, wallettest.Fault{Kind: wallettest.Truncated})
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown {
		t.Fatalf("search truncated: %+v", res)
	}
	f.sim.Inject(wallettest.CallVoid, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown {
		t.Fatalf("void answer lost: %+v", res)
	}
	f.sim.Inject(wallettest.CallVoid, wallettest.Fault{Kind: wallettest.Decline, Code: "0199"})
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Unknown || !strings.Contains(res.Message, "void was refused") {
		t.Fatalf("void refused: %+v", res)
	}
	if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Voided {
		t.Fatalf("finally: %+v", res)
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("charged")
	}
}

func TestExpiredTokenIsRenewedOnceAndThePaymentResent(t *testing.T) {
	f := newFixture(t, true)
	if out := f.wallet.Pay(context.Background(), f.payment(t, 100)); out.Kind != providers.Approved {
		t.Fatal(out)
	}
	f.sim.Auth().Expire()
	if out := f.wallet.Pay(context.Background(), f.payment(t, 200)); out.Kind != providers.Approved {
		t.Fatalf("after expiry: %+v", out)
	}
	if got := f.sim.Auth().Logins(); got != 2 {
		t.Fatalf("logins = %d, want 2", got)
	}
	if len(f.sim.Ledger()) != 2 {
		t.Fatalf("ledger %+v", f.sim.Ledger())
	}
}

func TestRefusedCredentialsAreAConfigError(t *testing.T) {
	f := newFixture(t, true)
	cfg := f.sim.MerchantConfig().(*ipass.Config)
	cfg.Key = "not-the-merchant-key-77"
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out := w.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.ConfigError || strings.Contains(out.Message, "not-the-merchant-key-77") {
		t.Fatalf("%+v", out)
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("charged with a wrong key")
	}
}

func TestCodeExpiryIsMeasuredFromPosDateTime(t *testing.T) {
	f := newFixture(t, false)
	req := f.payment(t, 100) // pos_date_time is fixed now
	f.clock.Advance(61 * time.Second)
	out := f.wallet.Pay(context.Background(), req)
	if out.Kind != providers.Declined || out.Code != ipasstest.CodeExpired || !out.RetryScan {
		t.Fatalf("%+v", out)
	}
}

func TestBadPaymentsAreRefusedBeforeJournaling(t *testing.T) {
	f := newFixture(t, false)
	tests := []struct {
		name string
		mod  func(*providers.PayRequest)
		want string
	}{
		{"terminal id too long", func(r *providers.PayRequest) { r.TerminalID = "AB1234567" }, "terminal_id"},
		{"no terminal id", func(r *providers.PayRequest) { r.TerminalID = "" }, "terminal_id"},
		{"zero amount", func(r *providers.PayRequest) { r.Amount = 0 }, "amount"},
		{"undiscountable above amount", func(r *providers.PayRequest) { r.Undiscountable = 11 }, "undiscountable_amount"},
		{"description too long", func(r *providers.PayRequest) { r.Description = strings.Repeat("字", 4001) }, "description"},
		{"no order", func(r *providers.PayRequest) { r.OrderNumber = "" }, "order_number"},
		{"no code", func(r *providers.PayRequest) { r.Code = "" }, "scan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := providers.PayRequest{TerminalID: "AB123456", OrderNumber: "A1", Amount: 10, Code: f.sim.IssueCode()}
			tc.mod(&req)
			_, err := f.wallet.NewRef(req, time.Now())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			req.Ref = providers.Ref{ipass.RefReqID: "9CC197A0-E12C-4AC5-8CC0-0052E09D3752", ipass.RefOrderNumber: "A1-X", ipass.RefPosDateTime: ipass.FormatTime(time.Now())}
			if out := f.wallet.Pay(context.Background(), req); out.Kind != providers.ConfigError {
				t.Fatalf("pay: %+v", out)
			}
		})
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("a bad request reached the wallet")
	}
}

func TestNewRefIsUniqueTraceableAndBounded(t *testing.T) {
	f := newFixture(t, false)
	seen := map[string]bool{}
	for i := range 200 {
		req := providers.PayRequest{TerminalID: "T1", OrderNumber: fmt.Sprintf("%s-%d", strings.Repeat("9", 120), i), Amount: 1, Code: "x"}
		ref, err := f.wallet.NewRef(req, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		no := ref[ipass.RefOrderNumber]
		if len(no) > ipass.MaxOrderNumber || !strings.Contains(no, fmt.Sprintf("-%d-", i)) || seen[no] || seen[ref[ipass.RefReqID]] {
			t.Fatalf("ref %v: too long, untraceable or repeated", ref)
		}
		if ref[ipass.RefPosDateTime] != "2024-01-01 08:00:00" || len(ref[ipass.RefReqID]) != 36 {
			t.Fatalf("ref %v", ref)
		}
		seen[no], seen[ref[ipass.RefReqID]] = true, true
	}
}

func TestRefundsAndVoid(t *testing.T) {
	f := newFixture(t, false)
	pay := f.payment(t, 300)
	approval := f.wallet.Pay(context.Background(), pay)
	if approval.Kind != providers.Approved {
		t.Fatal(approval)
	}
	newRefund := func(amount int64) providers.RefundRequest {
		rr := providers.RefundRequest{RefundID: "r", Payment: pay, Approval: approval, Amount: amount, Attempt: 1}
		ref, err := f.wallet.NewRefundRef(rr, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		rr.Ref = ref
		return rr
	}
	if out := f.wallet.Refund(context.Background(), newRefund(100)); out.Kind != providers.Approved || out.AmountPaid != 100 || out.TransactionID == "" {
		t.Fatalf("partial: %+v", out)
	}
	// A refund whose answer is lost, resent with its Ref: refunded once.
	rr := newRefund(150)
	f.sim.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	if out := f.wallet.Refund(context.Background(), rr); out.Kind != providers.Unknown {
		t.Fatalf("lost: %+v", out)
	}
	rr.Attempt = 2
	if out := f.wallet.Refund(context.Background(), rr); out.Kind != providers.Approved {
		t.Fatalf("resend: %+v", out)
	}
	if out := f.wallet.Refund(context.Background(), newRefund(51)); out.Kind != providers.Declined || out.Code != ipasstest.CodeRefundExceeds {
		t.Fatalf("over-refund: %+v", out)
	}
	// A refunded payment cannot be voided.
	if out := f.wallet.Void(context.Background(), pay, approval); out.Kind != providers.Declined || out.Code != ipasstest.CodeRefunded {
		t.Fatalf("void after refunds: %+v", out)
	}
	if out := f.wallet.Refund(context.Background(), newRefund(50)); out.Kind != providers.Approved {
		t.Fatalf("the rest: %+v", out)
	}
	cs := f.charges(t, pay)
	if len(cs) != 1 || cs[0].Refunded != 300 || len(f.sim.Refunds(cs[0].Key)) != 3 {
		t.Fatalf("ledger %+v refunds %+v", cs, f.sim.Refunds(cs[0].Key))
	}

	// A fresh payment voided whole, twice (idempotent), then not refundable.
	pay2 := f.payment(t, 80)
	ok2 := f.wallet.Pay(context.Background(), pay2)
	for range 2 {
		if out := f.wallet.Void(context.Background(), pay2, ok2); out.Kind != providers.Voided {
			t.Fatalf("void: %+v", out)
		}
	}
	rr2 := providers.RefundRequest{Payment: pay2, Approval: ok2, Amount: 80, Full: true}
	ref, _ := f.wallet.NewRefundRef(rr2, f.clock.Now())
	rr2.Ref = ref
	if out := f.wallet.Refund(context.Background(), rr2); out.Kind != providers.Declined || out.Code != ipasstest.CodeVoided {
		t.Fatalf("refund after void: %+v", out)
	}
}

func TestConfigFromTOML(t *testing.T) {
	d, ok := providers.Lookup("ipass")
	if !ok || len(d.Rules) == 0 {
		t.Fatal("ipass is not registered with its rules")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ipass.key"), []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "base_url = \"https://gw.example\"\nauth_key = \"a\"\nacc_key = \"b\"\n"
	tests := []struct{ name, toml, want string }{
		{"gateway credentials", base + "omni_store_id = \"0\"\nstore_id = \"00681\"", ""},
		{"own credentials from a file", base + "merchant_id = \"M1\"\nkey_file = \"ipass.key\"\nstore_id = \"00681\"\ncode_ttl = \"2m\"", ""},
		{"neither", base + "store_id = \"1\"", "omni_store_id"},
		{"both", base + "omni_store_id = \"0\"\nmerchant_id = \"M1\"\nkey = \"k\"\nstore_id = \"1\"", "not both"},
		{"key without merchant id", base + "key = \"k\"\nstore_id = \"1\"", "merchant_id"},
		{"no store", base + "omni_store_id = \"0\"", "store_id"},
		{"store too long", base + "omni_store_id = \"0\"\nstore_id = \"123456789012345678901\"", "at most 20"},
		{"missing key file", base + "merchant_id = \"M1\"\nkey_file = \"nope.key\"\nstore_id = \"1\"", "key_file"},
		{"bad void path", base + "omni_store_id = \"0\"\nstore_id = \"1\"\nvoid_path = \"void\"", "void_path"},
		{"0000 as uncertain", base + "omni_store_id = \"0\"\nstore_id = \"1\"\nuncertain_codes = [\"0000\"]", "uncertain_codes"},
		{"known declines", base + "omni_store_id = \"0\"\nstore_id = \"1\"\ndecline_codes = [\"0101\"]\nuncertain_codes = [\"9999\", \"0199\"]", ""},
		{"0006 as a decline", base + "omni_store_id = \"0\"\nstore_id = \"1\"\ndecline_codes = [\"0006\"]", "decline_codes lists 0006"},
		{"9999 as a decline", base + "omni_store_id = \"0\"\nstore_id = \"1\"\ndecline_codes = [\"9999\"]", "decline_codes lists 9999"},
		{"a code in both lists", base + "omni_store_id = \"0\"\nstore_id = \"1\"\ndecline_codes = [\"0101\"]\nuncertain_codes = [\"0101\"]", "both decline_codes and uncertain_codes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := d.NewConfig()
			if _, err := toml.Decode(tc.toml, cfg); err != nil {
				t.Fatal(err)
			}
			err := cfg.Provision(providers.Env{Dir: dir})
			if err == nil {
				err = cfg.Validate()
			}
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cfg.Open(providers.Env{}); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "k3y") {
				t.Fatal("the key leaked into the error")
			}
		})
	}
}

// No log line, outcome message or error carries a full code, a key or the
// token, whatever happens.
func TestNothingSecretLeaks(t *testing.T) {
	f := newFixture(t, true)
	var msgs, codes []string
	for _, fault := range []wallettest.Fault{{}, {Kind: wallettest.Malformed}, {Kind: wallettest.Decline}, {Kind: wallettest.ServerError}, {Kind: wallettest.DropAfterCharge}, {Kind: wallettest.Decline, Code: "9999"}} {
		req := f.payment(t, 120)
		codes = append(codes, req.Code)
		f.sim.Inject(wallettest.CallPay, fault)
		out := f.wallet.Pay(context.Background(), req)
		msgs = append(msgs, out.Message)
		msgs = append(msgs, f.wallet.Resolve(context.Background(), req).Message)
		if out.Kind == providers.Approved {
			msgs = append(msgs, f.wallet.Void(context.Background(), req, out).Message)
		}
	}
	req := f.payment(t, 120)
	req.Code = "short-code-the-sim-refuses"
	codes = append(codes, req.Code)
	msgs = append(msgs, f.wallet.Pay(context.Background(), req).Message)

	secrets := append([]string{ipasstest.AuthKey, ipasstest.AccKey, ipasstest.MerchantKey}, f.sim.Auth().Tokens()...)
	secrets = append(secrets, codes...)
	all := strings.Join(msgs, "\n") + f.log.String()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatalf("%q leaked:\n%s", s, all)
		}
	}
	if !strings.Contains(f.log.String(), mask.Code(codes[0])) {
		t.Fatal("the logs do not show the masked code: is logging wired?")
	}
}

// The timeout key bounds a request even when the caller's context does not.
func TestConfiguredTimeoutEndsAHang(t *testing.T) {
	f := newFixture(t, false)
	cfg := f.sim.Config().(*ipass.Config)
	cfg.Timeout = time.Second
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.(providers.HealthChecker).Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Hang})
	start := time.Now()
	out := w.Pay(context.Background(), f.payment(t, 100))
	if out.Kind != providers.Unknown || out.NotSent {
		t.Fatalf("%+v", out)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the hang lasted %s despite timeout = 1s", d)
	}
}

// The [providers.ipass] table's keys, read and written: cmd decodes the
// table into Config and encodes it back for the effective-config dump, so
// a key may be neither lost nor renamed.
func TestTOMLKeys(t *testing.T) {
	const doc = `base_url = "https://gw.example"
auth_key = "a"
auth_key_file = "af"
auth_key_env = "AE"
acc_key = "b"
acc_key_file = "bf"
acc_key_env = "BE"
omni_store_id = "0"
merchant_id = "M1"
key = "k"
key_file = "kf"
key_env = "KE"
store_id = "00681"
code_ttl = "2m"
timeout = "5s"
void_path = "/v"
is_test = true
decline_codes = ["0101"]
uncertain_codes = ["9999"]
not_found_codes = ["0002"]
settle_margin = "3m"
`
	var cfg ipass.Config
	keys := gatewaytest.TOMLKeys(t, doc, &cfg)
	got := []any{cfg.BaseURL, cfg.AuthKey, cfg.AuthKeyFile, cfg.AuthKeyEnv, cfg.AccKey, cfg.AccKeyFile, cfg.AccKeyEnv,
		cfg.OmniStoreID, cfg.MerchantID, cfg.Key, cfg.KeyFile, cfg.KeyEnv, cfg.StoreID, cfg.CodeTTL, cfg.Timeout, cfg.VoidPath, cfg.IsTest,
		cfg.DeclineCodes, cfg.UncertainCodes, cfg.NotFoundCodes, cfg.SettleMargin}
	want := []any{"https://gw.example", "a", "af", "AE", "b", "bf", "BE", "0", "M1", "k", "kf", "KE", "00681", 2 * time.Minute, 5 * time.Second, "/v", true,
		[]string{"0101"}, []string{"9999"}, []string{"0002"}, 3 * time.Minute}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("decoded %v, want %v", got, want)
	}
	const all = "acc_key acc_key_env acc_key_file auth_key auth_key_env auth_key_file base_url code_ttl decline_codes is_test key key_env key_file merchant_id not_found_codes omni_store_id settle_margin store_id timeout uncertain_codes void_path"
	if keys != all {
		t.Fatalf("keys written: %s\nwant          %s", keys, all)
	}
}
