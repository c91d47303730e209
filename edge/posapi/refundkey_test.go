package posapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// TestRefundIdempotencyKey: a POS that lost the answer to a refund and
// retries it with the same Idempotency-Key gets the first refund back and
// the wallet refunds once; the same key with another amount is 409.
func TestRefundIdempotencyKey(t *testing.T) {
	r := newSettleRig(t)
	r.run(t)

	var paid edge.PaymentView
	a := call(t, "POST", r.ts.url+"/v1/payments?wait=10s", fmt.Sprintf(`{"terminal_id":"L1","order_number":"R-1","amount":100,"barcode":%q}`, r.sim.IssueCode()), nil)
	a.decode(t, &paid)
	if a.status != http.StatusCreated || paid.State != store.Approved {
		t.Fatalf("checkout: %d %s", a.status, a.body)
	}
	url := r.ts.url + "/v1/payments/" + paid.ID + "/refund"
	key := map[string]string{"Idempotency-Key": "9b2f6c1e-refund-1"}
	var first, again edge.RefundView
	a = call(t, "POST", url, `{"amount":30}`, key)
	a.decode(t, &first)
	if a.status >= 300 || first.State != store.RefundSucceeded {
		t.Fatalf("refund: %d %s", a.status, a.body)
	}
	b := call(t, "POST", url, `{"amount":30}`, key)
	b.decode(t, &again)
	if b.status != a.status || again.ID != first.ID || again.State != store.RefundSucceeded {
		t.Fatalf("the same refund again with its key: %d %s; want %d with refund %s", b.status, b.body, a.status, first.ID)
	}
	c := call(t, "POST", url, `{"amount":40}`, key)
	if c.status != http.StatusConflict || c.errCode(t) != edge.ErrConflict {
		t.Errorf("the same key for another amount: %d %s; want 409 conflict", c.status, c.body)
	}
	if l := r.sim.Ledger(); len(l) != 1 || l[0].Refunded != 30 {
		t.Errorf("the wallet's books: %+v; want one charge with 30 refunded", l)
	}
	if rs, err := r.j.Refunds(paid.ID); err != nil || len(rs) != 1 {
		t.Errorf("the journal holds %d refunds, want 1 (%v)", len(rs), err)
	}
	bad := call(t, "POST", url, `{"amount":10}`, map[string]string{"Idempotency-Key": "has space"})
	if bad.status != http.StatusBadRequest {
		t.Errorf("a key with a space: %d %s; want 400", bad.status, bad.body)
	}
}
