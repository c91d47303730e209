package edge

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// notSentRefunds is a real wallet (on its simulator) whose first refund
// provably never leaves the machine, as when the wallet's port refuses the
// connection.
type notSentRefunds struct {
	providers.Wallet
	mu    sync.Mutex
	calls int
}

func (n *notSentRefunds) Void(ctx context.Context, req providers.PayRequest, approval providers.Outcome) providers.Outcome {
	return n.Wallet.(providers.Voider).Void(ctx, req, approval)
}

func (n *notSentRefunds) NewRefundRef(req providers.RefundRequest, now time.Time) (providers.Ref, error) {
	return n.Wallet.(providers.Refunder).NewRefundRef(req, now)
}

func (n *notSentRefunds) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	n.mu.Lock()
	n.calls++
	first := n.calls == 1
	n.mu.Unlock()
	if first {
		return providers.Outcome{Kind: providers.Unknown, NotSent: true, Message: "connection refused"}
	}
	return n.Wallet.(providers.Refunder).Refund(ctx, req)
}

func (n *notSentRefunds) PartialRefunds() bool { return n.Wallet.(providers.Refunder).PartialRefunds() }

// TestRefundNotSentThenRefusedFails: a refund whose first send never left
// is still unsent; the wallet's refusal of the next send is the first it
// ever saw, so the refund fails and its amount is free again, with no
// operator needed.
func TestRefundNotSentThenRefusedFails(t *testing.T) {
	for _, w := range simNames {
		t.Run(w, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOpts{wallets: []string{w}, noRun: true})
			ws := r.e.cfg.Wallets[w]
			ns := &notSentRefunds{Wallet: ws.Wallet}
			ws.Wallet = ns
			r.e.cfg.Wallets[w] = ws
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r.start(ctx)
			v := r.wait(r.pay("L1", "NS-1", 100, w).ID)
			r.sims[w].Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.Decline, Code: refusalCodes[w]})
			rf, err := r.e.Refund(ctx, v.ID, refundPart(r, w, 100, 30))
			if err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			got, _ := r.j.GetRefund(rf.ID)
			for !got.State.Final() && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
				got, _ = r.j.GetRefund(rf.ID)
			}
			if got.State != store.RefundFailed {
				t.Fatalf("refund ended %s (history %+v), want failed: the refusal met the first send that left", got.State, got.History)
			}
			ns.mu.Lock()
			calls := ns.calls
			ns.mu.Unlock()
			if calls != 2 {
				t.Errorf("refund sent %d times, want 2 (not sent, then refused)", calls)
			}
			if hasProblem(r.e.Health(), rf.ID) {
				t.Errorf("Health asks an operator about refund %s: %v", rf.ID, r.e.Health().Problems)
			}
			pv, _ := r.e.Payment(ctx, v.ID)
			if pv.RefundedAmount != 0 || pv.State != store.Approved {
				t.Errorf("payment after the failed refund: %s, refunded %d; want approved, 0", pv.State, pv.RefundedAmount)
			}
			// The amount is free: the whole payment can be refunded now.
			if rf2, err := r.e.Refund(ctx, v.ID, 100); err != nil || rf2.Amount != 100 {
				t.Errorf("refund of the whole amount after the failed one: %+v, %v", rf2, err)
			}
			r.settle()
			r.checkLedger()
		})
	}
}

// TestRefundKeySurvivesRestart: the idempotency key is journaled with its
// refund, so a POS retrying after scanpay restarted refunds nothing again.
func TestRefundKeySurvivesRestart(t *testing.T) {
	r := newRig(t, rigOpts{wallets: []string{"easywallet"}})
	v := r.wait(r.pay("L1", "o1", 100, "easywallet").ID)
	first, err := r.e.RefundOnce(context.Background(), v.ID, 40, "key-1")
	if err != nil || first.State != store.RefundSucceeded {
		t.Fatalf("refund: %+v %v", first, err)
	}
	sim, path := r.sims["easywallet"], r.j.Path()
	r.stop()
	r2 := newRigWith(t, rigOpts{wallets: []string{"easywallet"}, path: path}, sim)
	again, err := r2.e.RefundOnce(context.Background(), v.ID, 40, "key-1")
	if err != nil || again.ID != first.ID {
		t.Fatalf("the same refund after a restart: %+v %v, want refund %s", again, err, first.ID)
	}
	if _, err := r2.e.RefundOnce(context.Background(), v.ID, 50, "key-1"); ErrorCode(err) != ErrConflict {
		t.Fatalf("the key for another amount after a restart: %v, want conflict", err)
	}
	if l := sim.Ledger(); len(l) != 1 || l[0].Refunded != 40 {
		t.Fatalf("the wallet's books: %+v, want 40 refunded once", l)
	}
}
