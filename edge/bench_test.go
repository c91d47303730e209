package edge

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/store"
)

// BenchmarkPayments measures whole payments (checkout with barcode →
// approved, every state committed with fsync to a real journal) through the
// engine against an in-process simulator, with 1 and 32 lanes at once, and
// in the same run the simulator called directly ("direct") and the journal's
// three commits alone ("journal"): the engine's added latency per payment is
// lanes=1 minus direct, of which journal is the durable part.
//
//	go test -bench . -run '^$' ./edge/
func BenchmarkPayments(b *testing.B) {
	w := simNames[0]
	b.Run("direct", func(b *testing.B) {
		r := newRig(b, rigOpts{wallets: []string{w}, quiet: true, noRun: true})
		ws := r.e.cfg.Wallets[w]
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			req := providers.PayRequest{PaymentID: fmt.Sprint("d", i), TerminalID: "L1", OrderNumber: fmt.Sprint("D", i),
				Amount: 100, Code: r.sims[w].IssueCode(), CreatedAt: time.Now(), Attempt: 1}
			ref, err := ws.Wallet.NewRef(req, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			req.Ref = ref
			if out := ws.Wallet.Pay(ctx, req); out.Kind != providers.Approved {
				b.Fatalf("direct pay: %+v", out)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	})
	// The journal's share: the three commits every charged payment needs
	// (checkout, in_flight before the send, the outcome), nothing else.
	b.Run("journal", func(b *testing.B) {
		j := openJournal(b, filepath.Join(b.TempDir(), "j.db"))
		defer j.Close()
		for i := 0; b.Loop(); i++ {
			id := fmt.Sprint("p", i)
			now := time.Now()
			if _, _, err := j.Create(store.Payment{ID: id, TerminalID: "L1", OrderNumber: id, Amount: 100, State: store.Queued,
				Wallet: w, FullCode: "221234567890123456", CreatedAt: now, UpdatedAt: now}); err != nil {
				b.Fatal(err)
			}
			for _, step := range [][2]store.State{{store.Queued, store.InFlight}, {store.InFlight, store.Approved}} {
				if _, err := j.Transition(id, store.Transition{From: []store.State{step[0]}, To: step[1]}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
	})
	for _, lanes := range []int{1, 32} {
		b.Run(fmt.Sprintf("lanes=%d", lanes), func(b *testing.B) {
			r := newRig(b, rigOpts{wallets: []string{w}, quiet: true, workers: lanes})
			ctx := context.Background()
			var mu sync.Mutex
			next := 0
			take := func() (int, bool) {
				mu.Lock()
				defer mu.Unlock()
				if next >= b.N {
					return 0, false
				}
				next++
				return next, true
			}
			b.ResetTimer()
			var wg sync.WaitGroup
			for l := range lanes {
				wg.Go(func() {
					for {
						i, ok := take()
						if !ok {
							return
						}
						v, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: fmt.Sprint("L", l), OrderNumber: fmt.Sprint("B", i),
							Amount: 100, Barcode: r.sims[w].IssueCode()})
						if err != nil {
							b.Error(err)
							return
						}
						if v, err = r.e.Wait(ctx, v.ID, 30*time.Second); err != nil || v.State != "approved" {
							b.Errorf("payment ended %s, %v", v.State, err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "payments/s")
		})
	}
}
