package ipass_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/ipass"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// settleDeadline is when the fixture's payments can no longer be charged:
// pos_date_time + code_ttl (the simulator's minute) + settle_margin.
func settleDeadline(t *testing.T, req providers.PayRequest) time.Time {
	t.Helper()
	pos, err := ipass.ParseTime(req.Ref[ipass.RefPosDateTime])
	if err != nil {
		t.Fatal(err)
	}
	return pos.Add(time.Minute + ipass.DefaultSettleMargin)
}

// A pay request that got HTTP 500 before iPass charged, when search and
// void both say "not found": unknown while the code can still be charged,
// then settled as not charged without an operator. The race: the same pay
// request arriving late, before the code expires, charges, and the next
// resolution approves it; arriving after, it is refused as expired.
func TestA5xxBeforeTheChargeSettlesByEvidence(t *testing.T) {
	tests := []struct {
		name     string
		lateAt   time.Duration // when the late pay request arrives (0: never)
		want     providers.Kind
		chargeOK bool
	}{
		{"no charge ever", 0, providers.Voided, false},
		{"the charge lands late, while the code is live", 30 * time.Second, providers.Approved, true},
		{"a late request after the code expired", 2 * time.Minute, providers.Voided, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.sim.VoidUnchargedAsNotFound(true)
			ctx := context.Background()
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.ServerError})
			if out := f.wallet.Pay(ctx, req); out.Kind != providers.Unknown || out.Code != "500" {
				t.Fatalf("pay: %+v", out)
			}
			res := f.wallet.Resolve(ctx, req)
			if res.Kind != providers.Unknown || res.Code != "" || !strings.Contains(res.Message, "can be charged until") {
				t.Fatalf("resolve while the code is live: %+v, want unknown without a code (nothing for an operator)", res)
			}
			if tc.lateAt > 0 {
				f.clock.Advance(tc.lateAt)
				late := req
				late.Attempt = 2
				f.wallet.Pay(ctx, late) // the request that was still on its way
			}
			res = f.wallet.Resolve(ctx, req)
			if tc.chargeOK {
				if res.Kind != providers.Approved {
					t.Fatalf("resolve after the late charge: %+v", res)
				}
			} else {
				if res.Kind != providers.Unknown {
					t.Fatalf("resolve before the deadline: %+v", res)
				}
				f.clock.Advance(settleDeadline(t, req).Sub(f.clock.Now()))
				res = f.wallet.Resolve(ctx, req)
			}
			if res.Kind != tc.want {
				t.Fatalf("resolve: %+v, want %v", res, tc.want)
			}
			if tc.want == providers.Voided && (res.Code != ipasstest.CodeNotFound || !strings.Contains(res.Message, "not charged")) {
				t.Fatalf("settled without its evidence: %+v", res)
			}
			if charged := len(f.charges(t, req)) == 1; charged != tc.chargeOK {
				t.Fatalf("ledger %+v, want charged %v", f.sim.Ledger(), tc.chargeOK)
			}
		})
	}
}

// Answers that contradict each other (search finds nothing, the void is
// refused for another reason) stay unknown, with the wallet's code, for the
// operator, however late; so does "not found" with no not_found_codes
// configured (the production default: iPass publishes none).
func TestContradictingAnswersStayWithTheOperator(t *testing.T) {
	for _, tc := range []struct {
		name     string
		voidCode string
		notFound []string
	}{
		{"void refused for another reason", "0199", []string{ipasstest.CodeNotFound}},
		{"no not_found_codes configured", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.sim.VoidUnchargedAsNotFound(true)
			cfg := f.sim.Config().(*ipass.Config)
			cfg.NotFoundCodes = tc.notFound
			w, err := cfg.Open(providers.Env{Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.ServerError})
			w.Pay(ctx, req)
			f.clock.Advance(settleDeadline(t, req).Sub(f.clock.Now()) + time.Hour)
			if tc.voidCode != "" {
				f.sim.Inject(wallettest.CallVoid, wallettest.Fault{Kind: wallettest.Decline, Code: tc.voidCode})
			}
			res := w.(*ipass.Wallet).Resolve(ctx, req)
			if res.Kind != providers.Unknown || res.Code == "" {
				t.Fatalf("resolve: %+v, want unknown with the wallet's code", res)
			}
		})
	}
}

// The void step of a resolution under every fault: hang, drop, 5xx and
// garbage leave the payment unknown (the void may or may not have been
// done); the next resolution settles it.
func TestResolveVoidStepUnderFaults(t *testing.T) {
	for _, fault := range []wallettest.FaultKind{wallettest.Hang, wallettest.DropBeforeCharge, wallettest.DropAfterCharge, wallettest.ServerError, wallettest.Malformed, wallettest.Truncated} {
		t.Run(fault.String(), func(t *testing.T) {
			f := newFixture(t, false)
			req := f.payment(t, 300)
			f.sim.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
			f.wallet.Pay(context.Background(), req)
			f.sim.Inject(wallettest.CallVoid, wallettest.Fault{Kind: fault})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if res := f.wallet.Resolve(ctx, req); res.Kind != providers.Unknown {
				t.Fatalf("void %s: %+v, want unknown", fault, res)
			}
			if res := f.wallet.Resolve(context.Background(), req); res.Kind != providers.Voided {
				t.Fatalf("next resolution: %+v, want voided", res)
			}
			if len(f.sim.Ledger()) != 0 {
				t.Fatal("charged")
			}
		})
	}
}
