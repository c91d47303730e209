package posapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// TestCreateForAnApprovedOrderNeverChargesAgain: POST /v1/payments for an
// order that already has an approved payment answers 200 with that
// payment (the POS that lost our answer and retries must not pay twice),
// and the wallet is never asked again; another amount is 409 conflict.
func TestCreateForAnApprovedOrderNeverChargesAgain(t *testing.T) {
	r := newSettleRig(t)
	r.run(t)

	body := func(amount int64) string {
		return fmt.Sprintf(`{"terminal_id":"L1","order_number":"A-1001","amount":%d,"barcode":%q}`, amount, r.sim.IssueCode())
	}
	var first, again edge.PaymentView
	a := call(t, "POST", r.ts.url+"/v1/payments?wait=10s", body(100), nil)
	a.decode(t, &first)
	if a.status != http.StatusCreated || first.State != store.Approved {
		t.Fatalf("first checkout: %d %s", a.status, a.body)
	}
	a = call(t, "POST", r.ts.url+"/v1/payments?wait=10s", body(100), nil)
	a.decode(t, &again)
	if a.status != http.StatusOK || again.ID != first.ID || again.State != store.Approved {
		t.Fatalf("the same order again: %d %s; want 200 with the approved payment %s", a.status, a.body, first.ID)
	}
	a = call(t, "POST", r.ts.url+"/v1/payments", body(90), nil)
	if a.status != http.StatusConflict || a.errCode(t) != edge.ErrConflict {
		t.Errorf("the same order for another amount: %d %s; want 409 conflict", a.status, a.body)
	}
	if l := r.sim.Ledger(); len(l) != 1 {
		t.Errorf("the wallet holds %d charges for one order, want 1: %+v", len(l), l)
	}
	if ps, err := r.j.FindOrder("L1", "A-1001"); err != nil || len(ps) != 1 {
		t.Errorf("the journal holds %d payments for the order, want 1 (%v)", len(ps), err)
	}
}
