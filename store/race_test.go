package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary play a second scanpay process: with
// SCANPAY_STORE_CHILD=lock it tries to open the journal another process
// holds and prints what happened.
func TestMain(m *testing.M) {
	if os.Getenv("SCANPAY_STORE_CHILD") == "lock" {
		start := time.Now()
		j, err := Open(os.Getenv("SCANPAY_STORE_PATH"), Options{Timeout: 200 * time.Millisecond})
		if err == nil {
			j.Close()
		}
		fmt.Printf("locked=%v elapsed_ms=%d err=%v\n", errors.Is(err, ErrLocked), time.Since(start).Milliseconds(), err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestTransitionCASUnderConcurrency(t *testing.T) {
	j := openTest(t, nil)
	const payments, racers = 8, 16
	for round := range 4 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		wins := make([]int, payments)
		var mu sync.Mutex
		var unexpected []error
		for p := range payments {
			id := fmt.Sprintf("r%d-p%d", round, p)
			mustCreate(t, j, newPayment(id, fmt.Sprint("lane-", p), id, 100))
			walk(t, j, id, Queued)
			for range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := j.Transition(id, Transition{From: []State{Queued}, To: InFlight, Hooks: []string{"audit"},
						Mutate: func(p *Payment) error { p.Attempts++; return nil }})
					var se *StateError
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins[p]++
					case errors.As(err, &se) && se.Got == InFlight:
					default:
						unexpected = append(unexpected, err)
					}
				}()
			}
		}
		close(start)
		wg.Wait()
		if len(unexpected) > 0 {
			t.Fatalf("round %d: unexpected errors: %v", round, unexpected)
		}
		for p, w := range wins {
			id := fmt.Sprintf("r%d-p%d", round, p)
			got, err := j.Get(id)
			if w != 1 || err != nil || got.Attempts != 1 || len(got.History) != 3 {
				t.Errorf("%s: %d winners, attempts %d, history %d, %v; want exactly one move", id, w, got.Attempts, len(got.History), err)
			}
		}
	}
	if ds, _ := j.PendingDeliveries(); len(ds) != 4*payments {
		t.Errorf("%d deliveries, want one per payment", len(ds))
	}
}

func TestCreateRaceOneOpenPaymentPerOrder(t *testing.T) {
	j := openTest(t, nil)
	const racers = 32
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]Payment, racers)
	created := make([]bool, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], created[i], errs[i] = j.Create(newPayment(fmt.Sprint("p", i), "lane-1", "SAME", 100))
		}()
	}
	close(start)
	wg.Wait()
	winner := ""
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if created[i] {
			if winner != "" {
				t.Fatalf("two payments created for one order: %s and %s", winner, results[i].ID)
			}
			winner = results[i].ID
		}
	}
	for i := range racers {
		if results[i].ID != winner {
			t.Errorf("racer %d got %s, want the winner %s", i, results[i].ID, winner)
		}
	}
	if all, _ := j.FindOrder("lane-1", "SAME"); len(all) != 1 {
		t.Errorf("%d payments for the order", len(all))
	}
}

func TestRefundRaceNeverExceedsAmount(t *testing.T) {
	j := openTest(t, nil)
	mustCreate(t, j, newPayment("p1", "lane-1", "A", 100))
	walk(t, j, "p1", Queued, InFlight, Approved)
	const racers = 24 // each asks for 10: only ten may pass
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, exceeded := 0, 0
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := j.CreateRefund(Refund{ID: fmt.Sprint("r", i), PaymentID: "p1", Amount: 10})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrRefundExceeds):
				exceeded++
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if ok != 10 || exceeded != racers-10 {
		t.Fatalf("%d refunds accepted, %d refused; want 10 and %d", ok, exceeded, racers-10)
	}
}

// TestSecondProcessIsLockedOut re-executes the test binary as a second
// scanpay: while this process holds the journal, the other one's Open
// fails quickly with ErrLocked; once closed, it opens.
func TestSecondProcessIsLockedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SCANPAY_STORE_CHILD=lock", "SCANPAY_STORE_PATH="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		line, _, _ := strings.Cut(string(out), "\n")
		return line
	}
	out := run()
	var locked bool
	var ms int
	if _, err := fmt.Sscanf(out, "locked=%t elapsed_ms=%d", &locked, &ms); err != nil || !locked {
		t.Fatalf("child said %q; want locked=true", out)
	}
	if ms > 3000 {
		t.Errorf("the locked-out Open took %d ms; want about the 200 ms timeout", ms)
	}
	if !strings.Contains(out, "another scanpay is already using "+path) {
		t.Errorf("child error %q does not name the path", out)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if out := run(); !strings.HasPrefix(out, "locked=false") || !strings.HasSuffix(out, "err=<nil>") {
		t.Fatalf("after Close the child said %q; want it to open", out)
	}
}

// lines collects a child's complete stdout lines; a line cut by a kill
// (no newline) is dropped.
func lines(r *bufio.Reader) []string {
	var out []string
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return out
		}
		out = append(out, strings.TrimSuffix(l, "\n"))
	}
}
