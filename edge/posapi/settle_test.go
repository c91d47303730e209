package posapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// settleRig is the real engine on a real journal and JKOPay's simulator,
// not running: the tests put payments and refunds into unknown through the
// journal, as a lost answer would, so nothing races the calls under test.
type settleRig struct {
	ts  *testServer
	j   *store.Journal
	eng *edge.Engine
	sim wallettest.Simulator
}

func newSettleRig(t *testing.T) *settleRig {
	t.Helper()
	r := settleEngine(t)
	r.ts = startServer(t, r.eng)
	return r
}

// run runs the engine until the test ends.
func (r *settleRig) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// settleEngine is the rig without its server.
func settleEngine(t testing.TB) *settleRig {
	t.Helper()
	sim := jkopaytest.New(wallettest.Options{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(sim.Close)
	cfg := sim.Config()
	w, err := cfg.Open(providers.Env{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"), store.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cls, err := providers.NewClassifier(providers.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := edge.New(edge.Config{Journal: j, Classifier: cls, Logger: slog.New(slog.DiscardHandler),
		Wallets: map[string]edge.WalletSetup{"jkopay": {Wallet: w, Limits: cfg.Limits()}}})
	if err != nil {
		t.Fatal(err)
	}
	return &settleRig{j: j, eng: eng, sim: sim}
}

// unknownPayment journals a payment whose answer was lost.
func (r *settleRig) unknownPayment(t testing.TB, order string) string {
	t.Helper()
	v, _, err := r.eng.CreatePayment(context.Background(), edge.CreateRequest{TerminalID: "L1", OrderNumber: order, Amount: 100, Barcode: r.sim.IssueCode()})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []store.State{store.InFlight, store.Unknown} {
		if _, err := r.j.Transition(v.ID, store.Transition{From: []store.State{store.Queued, store.InFlight}, To: to, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return v.ID
}

// unknownRefund journals an approved payment with a refund of 30 whose
// answer was lost.
func (r *settleRig) unknownRefund(t *testing.T, order string) (string, string) {
	t.Helper()
	id := r.unknownPayment(t, order)
	if _, err := r.j.Transition(id, store.Transition{From: []store.State{store.Unknown}, To: store.Approved, Reason: "test",
		Mutate: func(p *store.Payment) error { p.Answer.TransactionID = "TX-" + order; return nil }}); err != nil {
		t.Fatal(err)
	}
	rf, err := r.j.CreateRefund(store.Refund{ID: "rf-" + order, PaymentID: id, Amount: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []store.RefundState{store.RefundInFlight, store.RefundUnknown} {
		if _, _, err := r.j.TransitionRefund(rf.ID, store.RefundTransition{From: []store.RefundState{store.RefundPending, store.RefundInFlight}, To: to, Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return id, rf.ID
}

func TestSettlePaymentRoute(t *testing.T) {
	r := newSettleRig(t)
	id := r.unknownPayment(t, "S-1")
	url := r.ts.url + "/v1/payments/" + id + "/settle"
	for _, tc := range []struct {
		name, body string
		status     int
		code, says string
	}{
		{"unknown field", `{"outcome":"declined","note":"x","by":"me"}`, 400, edge.ErrInvalidRequest, "by"},
		{"field in the wrong case", `{"Outcome":"declined","note":"x"}`, 400, edge.ErrInvalidRequest, "Outcome"},
		{"field twice", `{"outcome":"approved","outcome":"declined","note":"x"}`, 400, edge.ErrInvalidRequest, "outcome"},
		{"trailing data", `{"outcome":"declined","note":"x"} {}`, 400, edge.ErrInvalidRequest, "after"},
		{"no body", ``, 400, edge.ErrInvalidRequest, "empty"},
		{"wrong type", `{"outcome":1,"note":"x"}`, 400, edge.ErrInvalidRequest, "outcome"},
		{"no note", `{"outcome":"declined"}`, 400, edge.ErrInvalidRequest, "note"},
		{"approved without transaction", `{"outcome":"approved","note":"x"}`, 400, edge.ErrInvalidRequest, "transaction_id"},
		{"refund outcome", `{"outcome":"succeeded","note":"x"}`, 400, edge.ErrInvalidRequest, "approved"},
		{"outcome not in the enum", `{"outcome":"voided","note":"x"}`, 400, edge.ErrInvalidRequest, "reversed"},
		{"reversed for an unknown payment", `{"outcome":"reversed","note":"x"}`, 409, edge.ErrConflict, "unknown, not reversing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, "POST", url, tc.body, nil)
			if a.status != tc.status || a.errCode(t) != tc.code || !strings.Contains(string(a.body), tc.says) {
				t.Errorf("%d %s, want %d %s naming %q", a.status, a.body, tc.status, tc.code, tc.says)
			}
		})
	}
	if p, _ := r.j.Get(id); p.State != store.Unknown {
		t.Fatalf("a refused settlement moved the payment to %s", p.State)
	}
	// No token, a foreign Host: the same guards as every route.
	if a := call(t, "POST", url, `{"outcome":"declined","note":"x"}`, map[string]string{"Authorization": ""}); a.status != 401 {
		t.Errorf("without a token: %d", a.status)
	}
	if a := call(t, "POST", url, `{"outcome":"declined","note":"x"}`, map[string]string{"Host": "evil.example"}); a.status != 421 {
		t.Errorf("foreign Host: %d", a.status)
	}
	if a := call(t, "POST", url, `{"outcome":"declined","note":"x"}`, map[string]string{"Origin": "http://evil.example"}); a.status != 403 {
		t.Errorf("foreign Origin: %d", a.status)
	}

	a := call(t, "POST", url, `{"outcome":"approved","transaction_id":"TX-9","note":"JKOPay portal shows it paid — J. Chen"}`, nil)
	if a.status != 200 {
		t.Fatalf("settle: %d %s", a.status, a.body)
	}
	var v edge.PaymentView
	a.decode(t, &v)
	if v.State != store.Approved || !v.Final || v.Answer.TransactionID != "TX-9" ||
		v.History[len(v.History)-1].Reason != "settled by an operator: JKOPay portal shows it paid — J. Chen" {
		t.Errorf("settled payment %+v", v)
	}
	a = call(t, "POST", url, `{"outcome":"declined","note":"again"}`, nil)
	if a.status != 409 || a.errCode(t) != edge.ErrConflict || !strings.Contains(string(a.body), "approved") {
		t.Errorf("second settlement: %d %s, want 409 conflict naming approved", a.status, a.body)
	}
	a = call(t, "POST", r.ts.url+"/v1/payments/nope/settle", `{"outcome":"declined","note":"x"}`, nil)
	if a.status != 404 || a.errCode(t) != edge.ErrNotFound {
		t.Errorf("no such payment: %d %s", a.status, a.body)
	}
}

func TestSettleRefundRoute(t *testing.T) {
	r := newSettleRig(t)
	payID, rfID := r.unknownRefund(t, "R-1")
	url := r.ts.url + "/v1/refunds/" + rfID + "/settle"
	a := call(t, "POST", url, `{"outcome":"approved","transaction_id":"T","note":"x"}`, nil)
	if a.status != 400 || a.errCode(t) != edge.ErrInvalidRequest || !strings.Contains(string(a.body), "succeeded") {
		t.Errorf("payment outcome for a refund: %d %s", a.status, a.body)
	}
	a = call(t, "POST", url, `{"outcome":"succeeded","transaction_id":"RTX-1","note":"portal shows the refund — J. Chen"}`, nil)
	if a.status != 200 {
		t.Fatalf("settle refund: %d %s", a.status, a.body)
	}
	var rf edge.RefundView
	a.decode(t, &rf)
	if rf.ID != rfID || rf.State != store.RefundSucceeded || rf.Answer.TransactionID != "RTX-1" {
		t.Errorf("settled refund %+v", rf)
	}
	a = call(t, "GET", r.ts.url+"/v1/payments/"+payID, "", nil)
	var v edge.PaymentView
	if err := json.Unmarshal(a.body, &v); err != nil || v.RefundedAmount != 30 {
		t.Errorf("payment after the settled refund: %s", a.body)
	}
	a = call(t, "POST", url, `{"outcome":"failed","note":"again"}`, nil)
	if a.status != 409 || a.errCode(t) != edge.ErrConflict || !strings.Contains(string(a.body), "succeeded") {
		t.Errorf("second settlement: %d %s", a.status, a.body)
	}
	a = call(t, "POST", r.ts.url+"/v1/refunds/nope/settle", `{"outcome":"failed","note":"x"}`, nil)
	if a.status != 404 || a.errCode(t) != edge.ErrNotFound {
		t.Errorf("no such refund: %d %s", a.status, a.body)
	}
	_, rf2 := r.unknownRefund(t, "R-2")
	a = call(t, "POST", r.ts.url+"/v1/refunds/"+rf2+"/settle", `{"outcome":"failed","note":"portal shows no refund"}`, nil)
	if a.status != 200 || !strings.Contains(string(a.body), `"state":"failed"`) {
		t.Errorf("failed: %d %s", a.status, a.body)
	}
}

// TestSettleReversingPaymentRoute: a payment stuck reversing (its wallet
// refuses the void and the refund) is settled as reversed once the
// operator gave the money back by hand; approved or declined are refused
// for it.
func TestSettleReversingPaymentRoute(t *testing.T) {
	r := newSettleRig(t)
	id := r.unknownPayment(t, "RV-1")
	if _, err := r.j.Transition(id, store.Transition{From: []store.State{store.Unknown}, To: store.Reversing, Reason: "test",
		Mutate: func(p *store.Payment) error { p.ReverseReason = "cancelled by the POS"; return nil }}); err != nil {
		t.Fatal(err)
	}
	url := r.ts.url + "/v1/payments/" + id + "/settle"
	a := call(t, "POST", url, `{"outcome":"declined","note":"x"}`, nil)
	if a.status != 409 || a.errCode(t) != edge.ErrConflict || !strings.Contains(string(a.body), "--as reversed") {
		t.Errorf("declined for a reversing payment: %d %s, want 409 conflict naming the way out", a.status, a.body)
	}
	a = call(t, "POST", url, `{"outcome":"reversed","transaction_id":"RF-1","note":"refunded by hand in the portal — J. Chen"}`, nil)
	if a.status != 200 {
		t.Fatalf("reversed: %d %s", a.status, a.body)
	}
	var v edge.PaymentView
	if err := json.Unmarshal(a.body, &v); err != nil || v.State != store.Reversed || !v.Final {
		t.Fatalf("reversed answers %s, %v", a.body, err)
	}
	if p, _ := r.j.Get(id); p.History[len(p.History)-1].Reason != "settled by an operator: refunded by hand in the portal — J. Chen (the wallet's refund RF-1)" {
		t.Errorf("history reason %q", p.History[len(p.History)-1].Reason)
	}
}
