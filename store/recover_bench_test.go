package store

import (
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillJournal writes total payments, the newest open of them queued and
// the rest approved with a three-step history, in large unsynced
// transactions (a fixture, not the commit path), then syncs once.
func fillOpenJournal(b *testing.B, path string, total, open int) {
	j, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	j.db.NoSync = true
	start := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	const perTx = 5000
	for first := 0; first < total; first += perTx {
		err := j.db.Update(func(tx *bolt.Tx) error {
			for i := first; i < min(first+perTx, total); i++ {
				at := start.Add(time.Duration(i) * time.Second)
				p := newPayment(fmt.Sprintf("pay-%07d", i), fmt.Sprintf("L%02d", i%40), fmt.Sprintf("O%07d", i), 100+int64(i%500))
				p.CreatedAt, p.UpdatedAt = at, at
				p.Wallet, p.MaskedCode = "jkopay", "2212…34AB"
				p.History = []Change{{AwaitingScan, at, "created"}, {Queued, at, "scanned"}}
				if i >= total-open {
					p.State, p.FullCode = Queued, "221234567890123456"
				} else {
					p.State = Approved
					p.History = append(p.History, Change{InFlight, at, "sent"}, Change{Approved, at, "approved by jkopay"})
					p.Answer.TransactionID, p.Answer.AmountPaid = fmt.Sprintf("T%07d", i), p.Amount
				}
				if _, err := putPayment(tx, &p); err != nil {
					return err
				}
				if err := putPaymentIndexes(tx, &p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := j.db.Sync(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRecoverOpen compares, in one run, the two ways of reading the
// open payments at start from a 100k-payment journal with 10k open:
// all at once (Pending, as recovery did) and page by page (EachPending,
// as it does now). Each keeps what the engine keeps of a payment (its
// lane entry: id, state, time). peak-heap-MB is the heap in use at its
// highest above the heap before; the sub-benchmarks run paged first, so
// the process's RSS (rss-MB, from /proc) grows only with all-at-once.
//
//	go test -run '^$' -bench RecoverOpen -benchtime 3x ./store/
func BenchmarkRecoverOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "journal.db")
	fillOpenJournal(b, path, 100_000, 10_000)
	j, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()

	type entry struct {
		id    string
		state State
		at    time.Time
	}
	ways := []struct {
		name string
		read func(keep func(Payment), sample func()) error
	}{
		{"paged", func(keep func(Payment), sample func()) error {
			n := 0
			return j.EachPending(0, func(p Payment) error {
				if n++; n%PendingPage == 0 {
					sample()
				}
				keep(p)
				return nil
			})
		}},
		{"all-at-once", func(keep func(Payment), sample func()) error {
			all, err := j.Pending()
			sample()
			for _, p := range all {
				keep(p)
			}
			return err
		}},
	}
	for _, w := range ways {
		b.Run(w.name, func(b *testing.B) {
			var peak, rss uint64
			for b.Loop() {
				kept := map[string]entry{}
				runtime.GC()
				debug.FreeOSMemory()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base := ms.HeapInuse
				sample := func() {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse-min(base, ms.HeapInuse))
					rss = max(rss, selfRSS())
				}
				if err := w.read(func(p Payment) { kept[p.ID] = entry{p.ID, p.State, p.CreatedAt} }, sample); err != nil {
					b.Fatal(err)
				}
				sample()
				if len(kept) != 10_000 {
					b.Fatalf("%d open payments read, want 10000", len(kept))
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			if rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
			}
		})
	}
}
