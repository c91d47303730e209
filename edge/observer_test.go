package edge

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// recObserver records what the engine tells it.
type recObserver struct {
	mu         sync.Mutex
	finals     []string // "wallet/outcome/amount"
	calls      map[string]int
	scans      []string // "lane/kind"
	hooks      []string // "hook/ok"
	unmeasured int      // wallet calls that took no time: not measured
}

func (o *recObserver) PaymentFinal(wallet string, outcome store.State, amount int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finals = append(o.finals, fmt.Sprintf("%s/%s/%d", wallet, outcome, amount))
}

func (o *recObserver) WalletCall(wallet, call string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[wallet+"/"+call]++
	if d <= 0 {
		o.unmeasured++
	}
}

func (o *recObserver) Scan(lane, kind string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.scans = append(o.scans, lane+"/"+kind)
}

func (o *recObserver) HookDelivery(hook string, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hooks = append(o.hooks, fmt.Sprintf("%s/%v", hook, ok))
}

// Each payment is counted once, at its first final state: an approval
// later reversed or refunded is still one approved payment.
func TestObserverCountsEachPaymentOnce(t *testing.T) {
	const w = "jkopay"
	base := t.TempDir()
	files, err := hooks.New(hooks.Config{Name: "files", Kind: "file", Dir: "receipts", On: []string{"approved"}}, base)
	if err != nil {
		t.Fatal(err)
	}
	obs := &recObserver{calls: map[string]int{}}
	r := newRig(t, rigOpts{wallets: []string{w}, hooks: []hooks.Hook{files}, observer: obs})
	ctx := context.Background()

	a := r.wait(r.pay("L1", "O-1", 100, w).ID) // approved, then refunded in full
	if a.State != store.Approved {
		t.Fatalf("payment %s, want approved", a.State)
	}
	if _, err := r.e.Refund(ctx, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	b := r.wait(r.pay("L1", "O-2", 200, w).ID) // approved, then reversed by a cancel
	if _, err := r.e.Cancel(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	r.waitState(b.ID, store.Reversed)
	c, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: "L2", OrderNumber: "O-3", Amount: 50})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.Cancel(ctx, c.ID); err != nil { // cancelled before any scan
		t.Fatal(err)
	}
	if _, err := r.e.Scan(ctx, scanner.Scan{Lane: "L2", Code: "4710001234567", Device: "test"}); err != nil {
		t.Fatal(err)
	}
	r.settle()

	obs.mu.Lock()
	defer obs.mu.Unlock()
	finals := slices.Clone(obs.finals)
	slices.Sort(finals)
	if want := []string{"/cancelled/50", "jkopay/approved/100", "jkopay/approved/200"}; !slices.Equal(finals, want) {
		t.Errorf("final payments %q, want %q", finals, want)
	}
	if obs.calls["jkopay/pay"] != 2 || obs.calls["jkopay/refund"]+obs.calls["jkopay/void"] != 2 {
		t.Errorf("wallet calls %v, want 2 pays and 2 refunds or voids", obs.calls)
	}
	if obs.unmeasured != 0 {
		t.Errorf("%d wallet calls were reported as taking no time", obs.unmeasured)
	}
	if want := []string{"L1/payment", "L1/payment", "L2/passthrough"}; !slices.Equal(obs.scans, want) {
		t.Errorf("scans %q, want %q", obs.scans, want)
	}
	if want := []string{"files/true", "files/true"}; !slices.Equal(obs.hooks, want) {
		t.Errorf("hook deliveries %q, want %q (one receipt per approval)", obs.hooks, want)
	}
}
