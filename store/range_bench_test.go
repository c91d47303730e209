package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fillJournal writes n final payments created evenly over days days
// before end, straight into the buckets in large transactions (creating
// them one fsynced commit at a time would take minutes and measure
// nothing of interest here).
func fillJournal(b *testing.B, n, days int, end time.Time) *Journal {
	b.Helper()
	j, err := Open(filepath.Join(b.TempDir(), "journal.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	step := time.Duration(days) * 24 * time.Hour / time.Duration(n)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	const chunk = 10000
	for lo := 0; lo < n; lo += chunk {
		err := j.db.Update(func(tx *bolt.Tx) error {
			for i := lo; i < min(lo+chunk, n); i++ {
				at := start.Add(time.Duration(i) * step)
				p := Payment{
					ID: fmt.Sprintf("p%07d", i), TerminalID: fmt.Sprintf("lane-%d", i%8), OrderNumber: fmt.Sprint(i),
					Amount: int64(50 + i%500), Wallet: "jkopay", MaskedCode: "2212…34AB", State: Approved,
					CreatedAt: at, UpdatedAt: at.Add(2 * time.Second),
					History: []Change{{State: AwaitingScan, At: at}, {State: Approved, At: at.Add(2 * time.Second)}},
					Answer:  WalletAnswer{TransactionID: fmt.Sprint("T", i)},
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
	return j
}

// BenchmarkCreatedBetween reads one business day, and a week, out of a
// 100,000-payment journal spread over 90 days (about 1,100 a day) through
// the creation-time index, beside a full scan of the same journal for
// scale: the ranged read's cost follows the rows returned, not the
// journal's size.
//
//	go test -run '^$' -bench CreatedBetween -benchtime 20x ./store/
func BenchmarkCreatedBetween(b *testing.B) {
	const n, days = 100000, 90
	end := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	j := fillJournal(b, n, days, end)
	for _, tc := range []struct {
		name     string
		from, to time.Time
	}{
		{"day", end.Add(-48 * time.Hour), end.Add(-24 * time.Hour)},
		{"week", end.Add(-8 * 24 * time.Hour), end.Add(-24 * time.Hour)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var rows int
			for b.Loop() {
				got, err := j.CreatedBetween(tc.from, tc.to, 0)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(got)
			}
			b.ReportMetric(float64(rows), "payments/op")
		})
	}
	b.Run("full-scan", func(b *testing.B) {
		var rows int
		for b.Loop() {
			got, err := j.Recent(0)
			if err != nil {
				b.Fatal(err)
			}
			rows = len(got)
		}
		b.ReportMetric(float64(rows), "payments/op")
	})
}
