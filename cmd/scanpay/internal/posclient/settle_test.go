package posclient

import (
	"context"
	"errors"
	"testing"

	"github.com/scanpay/scanpay/edge"
)

// TestSettleCalls: what Settle, SettleRefund and Refund send, and how a
// refusal comes back.
func TestSettleCalls(t *testing.T) {
	ctx := context.Background()
	s := newAPIServer(t,
		canned{status: 200, body: approvedView},
		canned{status: 200, body: `{"id":"rf-1","payment_id":"pay-1","amount":30,"state":"failed","created_at":"2026-11-21T12:00:00Z","updated_at":"2026-11-21T12:00:01Z","answer":{}}`},
		canned{status: 409, body: `{"error":{"code":"conflict","message":"payment pay-1 is approved, not unknown"}}`},
		canned{status: 200, body: `{"id":"rf-2","payment_id":"pay-1","amount":30,"state":"succeeded","created_at":"2026-11-21T12:00:00Z","updated_at":"2026-11-21T12:00:01Z","answer":{}}`},
	)
	c := s.client()
	v, err := c.Settle(ctx, "pay-1", edge.SettleRequest{Outcome: "approved", TransactionID: "TX9", Note: "portal — J. Chen"})
	if err != nil || v.ID != "pay-1" || v.Answer.TransactionID != "TX9" {
		t.Errorf("Settle = %+v, %v", v, err)
	}
	r, err := c.SettleRefund(ctx, "rf/1", edge.SettleRequest{Outcome: "failed", Note: "none"})
	if err != nil || r.ID != "rf-1" || r.State != "failed" {
		t.Errorf("SettleRefund = %+v, %v", r, err)
	}
	_, err = c.Settle(ctx, "pay-1", edge.SettleRequest{Outcome: "declined", Note: "x"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != "conflict" {
		t.Errorf("refused Settle: %#v", err)
	}
	if r, err = c.Refund(ctx, "pay-1", 30); err != nil || r.ID != "rf-2" {
		t.Errorf("Refund = %+v, %v", r, err)
	}
	want := []seen{
		{method: "POST", path: "/v1/payments/pay-1/settle", body: `{"outcome":"approved","transaction_id":"TX9","note":"portal — J. Chen"}`},
		{method: "POST", path: "/v1/refunds/rf%2F1/settle", body: `{"outcome":"failed","note":"none"}`},
		{method: "POST", path: "/v1/payments/pay-1/settle", body: `{"outcome":"declined","note":"x"}`},
		{method: "POST", path: "/v1/payments/pay-1/refund", body: `{"amount":30}`},
	}
	got := s.requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.method != w.method || g.path != w.path || g.body != w.body || g.auth != "Bearer "+token || g.contentType != "application/json" {
			t.Errorf("request %d = %+v, want %+v with the token and JSON", i, g, w)
		}
	}
}
