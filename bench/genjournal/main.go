package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

func main() {
	out := flag.String("out", "", "the journal file to write (its folder is created)")
	total := flag.Int("payments", 100000, "payments in all")
	open := flag.Int("open", 10000, "of which left queued (open), the newest")
	drop := flag.Bool("drop-cache", false, "write nothing: drop -out's pages from the page cache, as after a reboot (Linux)")
	flag.Parse()
	if *drop {
		if err := dropCache(*out); err != nil {
			fmt.Fprintln(os.Stderr, "genjournal:", err)
			os.Exit(1)
		}
		return
	}
	if *out == "" || *open > *total || *open < 0 {
		fmt.Fprintln(os.Stderr, "genjournal: give -out, and -open no more than -payments")
		os.Exit(2)
	}
	if err := generate(*out, *total, *open); err != nil {
		fmt.Fprintln(os.Stderr, "genjournal:", err)
		os.Exit(1)
	}
}

// generate writes total payments from 1000 writers at once, so that
// the journal's group commit puts them into few fsyncs: the first total-open are
// walked to approved, the rest stay queued.
func generate(path string, total, open int) error {
	j, err := store.Open(path, store.Options{MaxBatchSize: 1000})
	if err != nil {
		return err
	}
	defer j.Close()
	sim := jkopaytest.New(wallettest.Options{AcceptUnissued: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer sim.Close()
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			for i := int(next.Add(1)); i <= total; i = int(next.Add(1)) {
				if err := one(j, sim, i, i > total-open); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func one(j *store.Journal, sim wallettest.Simulator, i int, open bool) error {
	now := time.Now()
	code := sim.IssueCode()
	lane := fmt.Sprintf("GEN%03d", i%40)
	p := store.Payment{ID: uuid.NewString(), TerminalID: lane, OrderNumber: fmt.Sprintf("G%07d", i), Amount: 100 + int64(i%500),
		Description: "genjournal", State: store.Queued, Wallet: sim.Name(), FullCode: code, MaskedCode: mask.Code(code),
		CreatedAt: now, UpdatedAt: now, CodeExpires: now.Add(time.Hour)}
	if _, _, err := j.Create(p); err != nil {
		return err
	}
	if open {
		return nil
	}
	for _, to := range []store.State{store.InFlight, store.Approved} {
		t := store.Transition{From: []store.State{store.Queued, store.InFlight}, To: to, Reason: "genjournal"}
		if to == store.Approved {
			t.Mutate = func(p *store.Payment) error {
				p.FullCode = ""
				p.Answer.TransactionID = fmt.Sprintf("T%07d", i)
				p.Answer.AmountPaid = p.Amount
				return nil
			}
		}
		if _, err := j.Transition(p.ID, t); err != nil {
			return err
		}
	}
	return nil
}
