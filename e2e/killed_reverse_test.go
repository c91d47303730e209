//go:build linux

package e2e

import (
	"fmt"
	"testing"
	"time"
)

// reverseCall is the request each wallet gives a payment back with.
// LINE Pay gives a captured payment back by a full refund.
var reverseCall = map[string]string{"jkopay": "cancel", "easywallet": "refund", "ipass": "void", "linepay": "refund"}

// refundPart is the amount each wallet's refund test gives back: 50, or
// everything where the wallet refunds in full only (LINE Pay).
func refundPart(wallet string, amount int) int {
	if wallet == "linepay" {
		return amount
	}
	return 50
}

// scanpay is killed with SIGKILL while it gives money back: the wallet
// did the refund (or the void) and the answer was lost, then holds the
// resend when the kill comes. Restarted on the same journal, scanpay
// finishes it with the same identifiers, and the ledger shows the money
// given back once; a POS retrying the refund with its Idempotency-Key
// gets the same refund.
func TestKilledMidRefundAndReverse(t *testing.T) {
	s := newScanpay(t)
	s.start()
	approve := func(t *testing.T, wallet, order string, amount int) payment {
		var p payment
		s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":%q,"amount":%d}`, lane, order, amount), 201, &p)
		s.scan(issue(t, wallet))
		if p = s.settle(p.ID, 40*time.Second); p.State != "approved" {
			t.Fatalf("payment ended %s, want approved", p.State)
		}
		return p
	}
	// killAfter lets the first send drop and the resend reach the wallet
	// (the binary's settling pause is about a second), checks that the
	// money is back in the wallet's books while scanpay still does not
	// know it (open says so), then kills and restarts.
	killAfter := func(t *testing.T, wallet string, p payment, open func() bool) {
		time.Sleep(3 * time.Second)
		if l := charges(t, wallet, p.MaskedCode); len(l) != 1 || !(l[0].Voided || l[0].Refunded > 0) || !open() {
			t.Fatalf("before the kill: ledger %+v, scanpay still at it %v; want the money back and scanpay not knowing", l, open())
		}
		s.kill()
		s.start()
	}
	for i, wallet := range wallets(t) {
		t.Run("refund/"+wallet, func(t *testing.T) {
			s.t = t
			p := approve(t, wallet, fmt.Sprintf("refund-kill-%d", i), 300+i)
			part := refundPart(wallet, 300+i)
			body := fmt.Sprintf(`{"amount":%d}`, part)
			sim(t, "POST", "/v1/wallets/"+wallet+"/faults", `{"call":"refund","faults":[{"kind":"drop_after_charge"},{"kind":"hang"}]}`, nil)
			key := map[string]string{"Idempotency-Key": fmt.Sprintf("e2e-refund-%s-%d", wallet, i)}
			go s.try("POST", "/v1/payments/"+p.ID+"/refund", body, key, nil)
			var got struct {
				RefundedAmount int64 `json:"refunded_amount"`
				Refunds        []struct {
					ID    string `json:"id"`
					State string `json:"state"`
				} `json:"refunds"`
			}
			killAfter(t, wallet, p, func() bool {
				s.try("GET", "/v1/payments/"+p.ID, "", nil, &got)
				return len(got.Refunds) == 1 && (got.Refunds[0].State == "unknown" || got.Refunds[0].State == "in_flight")
			})
			deadline := time.Now().Add(60 * time.Second)
			for {
				s.try("GET", "/v1/payments/"+p.ID, "", nil, &got)
				if len(got.Refunds) == 1 && got.Refunds[0].State == "succeeded" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the refund did not succeed within 60s of the restart: %+v", got)
				}
				time.Sleep(200 * time.Millisecond)
			}
			var again struct {
				ID string `json:"id"`
			}
			if st, b := s.try("POST", "/v1/payments/"+p.ID+"/refund", body, key, &again); st != 200 || again.ID != got.Refunds[0].ID {
				t.Errorf("the POS retried the refund with its key: %d %s, want 200 with refund %s", st, b, got.Refunds[0].ID)
			}
			ledger := charges(t, wallet, p.MaskedCode)
			if len(ledger) != 1 || ledger[0].Refunded != int64(part) || got.RefundedAmount != int64(part) {
				t.Fatalf("ledger %+v, journal refunded %d: want %d given back once", ledger, got.RefundedAmount, part)
			}
		})
		t.Run("reverse/"+wallet, func(t *testing.T) {
			s.t = t
			p := approve(t, wallet, fmt.Sprintf("reverse-kill-%d", i), 400+i)
			sim(t, "POST", "/v1/wallets/"+wallet+"/faults", fmt.Sprintf(`{"call":%q,"faults":[{"kind":"drop_after_charge"},{"kind":"hang"}]}`, reverseCall[wallet]), nil)
			s.must("POST", "/v1/payments/"+p.ID+"/cancel", "", 200, nil)
			killAfter(t, wallet, p, func() bool {
				var cur payment
				s.try("GET", "/v1/payments/"+p.ID, "", nil, &cur)
				return cur.State == "reversing"
			})
			if got := s.settle(p.ID, 60*time.Second); got.State != "reversed" {
				t.Fatalf("after the restart the payment is %s, want reversed", got.State)
			}
			ledger := charges(t, wallet, p.MaskedCode)
			if len(ledger) != 1 || !(ledger[0].Voided || ledger[0].Refunded == p.Amount) || ledger[0].Refunded > p.Amount {
				t.Fatalf("ledger %+v: want the %d given back once", ledger, p.Amount)
			}
		})
	}
	s.t = t
}
