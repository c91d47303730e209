package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchPayment runs one payment through the hot path: create, queued (with
// the code), in_flight, approved with a receipt hook. Four commits, each
// fsynced.
func benchPayment(b *testing.B, j *Journal, id string) {
	p := newPayment(id, "lane-"+id, id, 250)
	if _, _, err := j.Create(p); err != nil {
		b.Fatal(err)
	}
	steps := []Transition{
		{From: []State{AwaitingScan}, To: Queued, Mutate: func(p *Payment) error {
			p.FullCode, p.MaskedCode, p.Wallet = "2212345678901234AB", "2212…34AB", "jkopay"
			return nil
		}},
		{From: []State{Queued}, To: InFlight, Mutate: func(p *Payment) error { p.Attempts++; return nil }},
		{From: []State{InFlight}, To: Approved, Hooks: []string{"printer"}},
	}
	for _, t := range steps {
		if _, err := j.Transition(id, t); err != nil {
			b.Fatal(err)
		}
	}
}

// runPayments spreads b.N calls of one over g goroutines and returns the
// wall time they took.
func runPayments(b *testing.B, g int, one func(i int64)) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				one(i)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	return time.Since(start)
}

// BenchmarkJournal compares, in one run, the journal's payment path (one
// lane and 32 lanes, several group sizes) with raw bbolt committing one
// Update per write of the same record size. Compare commits/s: a payment is
// four commits.
//
//	go test -run '^$' -bench . -benchtime 2s ./store/
func BenchmarkJournal(b *testing.B) {
	recSize := func() int {
		j, err := Open(filepath.Join(b.TempDir(), "size.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		benchPayment(b, j, "size")
		p, _ := j.Get("size")
		rec, _ := encodeRecord(&p)
		return len(rec)
	}()

	for _, g := range []int{1, 32} {
		b.Run(fmt.Sprintf("raw-bbolt-update/goroutines=%d", g), func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			val := make([]byte, recSize)
			if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
				b.Fatal(err)
			}
			took := runPayments(b, g, func(i int64) {
				if err := db.Update(func(tx *bolt.Tx) error {
					return tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "k%09d", i), val)
				}); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(b.N)/took.Seconds(), "commits/s")
			b.ReportMetric(float64(recSize), "bytes/record")
		})
	}
	for _, tc := range []struct{ g, size int }{
		{1, DefaultMaxBatchSize},
		{32, DefaultMaxBatchSize},
		{32, 16},
		{32, 256},
	} {
		name := fmt.Sprintf("payment/goroutines=%d/batch=%d", tc.g, tc.size)
		b.Run(name, func(b *testing.B) {
			j, err := Open(filepath.Join(b.TempDir(), "journal.db"), Options{MaxBatchSize: tc.size})
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			secs := runPayments(b, tc.g, func(i int64) { benchPayment(b, j, fmt.Sprint("p", i)) }).Seconds()
			b.ReportMetric(float64(b.N)/secs, "payments/s")
			b.ReportMetric(4*float64(b.N)/secs, "commits/s")
		})
	}
}
