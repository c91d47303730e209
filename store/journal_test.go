package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCreate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Payment)
		wantErr error
		inMsg   string // part of the error message that tells the fix
	}{
		{"awaiting scan", func(p *Payment) {}, nil, ""},
		{"queued with a code", func(p *Payment) { p.State, p.FullCode = Queued, "2212345678901234AB" }, nil, ""},
		{"no id", func(p *Payment) { p.ID = "" }, ErrInvalid, "must set one"},
		{"no lane", func(p *Payment) { p.TerminalID = "" }, ErrInvalid, "terminal_id"},
		{"no order", func(p *Payment) { p.OrderNumber = "" }, ErrInvalid, "order_number"},
		{"zero amount", func(p *Payment) { p.Amount = 0 }, ErrInvalid, "positive number of TWD"},
		{"negative undiscountable", func(p *Payment) { p.Undiscount = -1 }, ErrInvalid, "between 0 and the amount"},
		{"undiscountable above amount", func(p *Payment) { p.Undiscount = p.Amount + 1 }, ErrInvalid, "between 0 and the amount"},
		{"created final", func(p *Payment) { p.State = Approved }, ErrInvalid, "a new payment is"},
		{"no state", func(p *Payment) { p.State = "" }, ErrInvalid, "a new payment is"},
		{"overlong order", func(p *Payment) { p.OrderNumber = strings.Repeat("9", maxField+1) }, ErrInvalid, "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			j := openTest(t, c)
			p := newPayment("p1", "lane-1", "A-1", 120)
			tc.edit(&p)
			got, created, err := j.Create(p)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Create err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tc.inMsg) {
					t.Errorf("error %q does not say %q", err, tc.inMsg)
				}
				if all, _ := j.Recent(0); len(all) != 0 {
					t.Errorf("a refused Create wrote %d payments", len(all))
				}
				return
			}
			if !created || !got.CreatedAt.Equal(c.Now()) || !got.UpdatedAt.Equal(c.Now()) {
				t.Errorf("Create = %+v, %v; want created and stamped now", got, created)
			}
			if len(got.History) != 1 || got.History[0].State != p.State || got.History[0].Reason != "created" {
				t.Errorf("history = %+v, want one 'created' entry", got.History)
			}
			stored, err := j.Get(p.ID)
			if err != nil || !reflect.DeepEqual(stored, got) {
				t.Errorf("Get = %+v, %v; want %+v", stored, err, got)
			}
		})
	}
}

func TestCreateIsIdempotentPerOpenOrder(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	first := mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 100))

	c.Advance(time.Second)
	again, created, err := j.Create(newPayment("p2", "lane-1", "A-1", 100))
	if err != nil || created || again.ID != "p1" || !reflect.DeepEqual(again, first) {
		t.Fatalf("second Create for an open order = %s, created %v, %v; want p1 unchanged", again.ID, created, err)
	}
	if _, err := j.Get("p2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("p2 was written: %v", err)
	}
	// Same order on another lane is another payment.
	mustCreate(t, j, newPayment("p3", "lane-2", "A-1", 100))
	// The id is unique across orders.
	if _, _, err := j.Create(newPayment("p3", "lane-3", "B-9", 100)); !errors.Is(err, ErrExists) {
		t.Fatalf("reused id: err = %v, want ErrExists", err)
	}
	// Once the payment is final, the order may be paid again.
	walk(t, j, "p1", Cancelled)
	c.Advance(time.Second)
	mustCreate(t, j, newPayment("p4", "lane-1", "A-1", 100))
	ps, err := j.FindOrder("lane-1", "A-1")
	if err != nil || len(ps) != 2 || ps[0].ID != "p4" || ps[1].ID != "p1" {
		t.Fatalf("FindOrder = %v, %v; want p4 then p1", ids(ps), err)
	}
	// While p4 is open, the old p1 may not take money again...
	if _, err := j.Transition("p1", Transition{From: []State{Cancelled}, To: AwaitingScan}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "p4") {
		t.Fatalf("reopening p1 = %v; want ErrExists naming p4", err)
	}
	// ...but an approved payment can always be reversed.
	mustCreate(t, j, newPayment("p5", "lane-9", "Z", 100))
	walk(t, j, "p5", Queued, InFlight, Approved)
	walk(t, j, "p5", Reversing)
	again, created, err = j.Create(newPayment("p7", "lane-9", "Z", 100))
	if err != nil || created || again.ID != "p5" {
		t.Fatalf("Create beside a reversal = %s, %v, %v; want the reversal, p5", again.ID, created, err)
	}
	// Once given back, the order may be paid again.
	walk(t, j, "p5", Reversed)
	mustCreate(t, j, newPayment("p8", "lane-9", "Z", 100))
}

// TestCreateNeverChargesAnApprovedOrderAgain: the check that an approved
// order is not charged twice runs in Create's own transaction, so it holds
// whatever the caller read before (the earlier payment may have been
// approved in between). An approved payment is returned, not paid again;
// moving an old payment of the order back to taking money is refused too.
func TestCreateNeverChargesAnApprovedOrderAgain(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 100))
	walk(t, j, "p1", Queued, InFlight, Unknown)
	// The caller looked: p1 is unknown, so a retry returns it...
	again, created, err := j.Create(newPayment("p2", "lane-1", "A-1", 100))
	if err != nil || created || again.ID != "p1" {
		t.Fatalf("Create beside an unknown payment = %s, %v, %v; want p1", again.ID, created, err)
	}
	// ...and it resolves approved before the next retry's Create.
	walk(t, j, "p1", Approved)
	c.Advance(time.Second)
	again, created, err = j.Create(newPayment("p3", "lane-1", "A-1", 100))
	if err != nil || created || again.ID != "p1" || again.State != Approved {
		t.Fatalf("Create for an approved order = %s (%s), created %v, %v; want the approved p1, nothing created", again.ID, again.State, created, err)
	}
	if _, err := j.Get("p3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("p3 was written beside an approved payment: %v", err)
	}
	// A partly refunded payment is still approved: still returned.
	if _, err := j.CreateRefund(Refund{ID: "r1", PaymentID: "p1", Amount: 30}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundPending}, To: RefundSucceeded}); err != nil {
		t.Fatal(err)
	}
	if again, created, err = j.Create(newPayment("p4", "lane-1", "A-1", 70)); err != nil || created || again.ID != "p1" {
		t.Fatalf("Create for a partly refunded order = %s, %v, %v; want p1", again.ID, created, err)
	}
	// An old payment of the order may not take money again either.
	mustCreate(t, j, newPayment("q1", "lane-2", "B-1", 100))
	walk(t, j, "q1", Cancelled)
	c.Advance(time.Second)
	mustCreate(t, j, newPayment("q2", "lane-2", "B-1", 100))
	walk(t, j, "q2", Queued, InFlight, Approved)
	if _, err := j.Transition("q1", Transition{From: []State{Cancelled}, To: Queued}); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "q2") {
		t.Fatalf("reopening q1 beside the approved q2 = %v; want ErrExists naming q2", err)
	}
	// Refunded in full, the order may be paid again.
	if _, err := j.CreateRefund(Refund{ID: "r2", PaymentID: "q2", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("r2", RefundTransition{From: []RefundState{RefundPending}, To: RefundSucceeded}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("q3", "lane-2", "B-1", 100))
}

func ids(ps []Payment) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestTransition(t *testing.T) {
	errBoom := errors.New("wallet ref generator failed")
	tests := []struct {
		name      string
		path      []State // states the payment walks through first
		tr        Transition
		wantErr   error
		wantState *StateError
		check     func(t *testing.T, before, after Payment)
	}{
		{
			name: "scan queues the code",
			tr: Transition{From: []State{AwaitingScan}, To: Queued, Reason: "scanned",
				Mutate: func(p *Payment) error { p.FullCode, p.Wallet = "2212345678901234AB", "jkopay"; return nil }},
			check: func(t *testing.T, before, after Payment) {
				if after.FullCode != "2212345678901234AB" || after.Wallet != "jkopay" {
					t.Errorf("mutation lost: %+v", after)
				}
				if n := len(after.History); n != 2 || after.History[1] != (Change{State: Queued, At: after.UpdatedAt, Reason: "scanned"}) {
					t.Errorf("history = %+v", after.History)
				}
			},
		},
		{
			name: "several From states",
			path: []State{Queued, InFlight, Unknown},
			tr:   Transition{From: []State{InFlight, Unknown}, To: Approved, Reason: "resolved"},
		},
		{
			name: "final erases the full code",
			path: []State{Queued, InFlight},
			tr:   Transition{From: []State{InFlight}, To: Approved},
			check: func(t *testing.T, before, after Payment) {
				if before.FullCode == "" || after.FullCode != "" {
					t.Errorf("FullCode before %q after %q; want it erased on approval", before.FullCode, after.FullCode)
				}
				if after.MaskedCode == "" {
					t.Error("the masked code must stay for receipts")
				}
			},
		},
		{
			name: "touch counts an attempt without history",
			path: []State{Queued, InFlight},
			tr: Transition{From: []State{InFlight}, To: InFlight, Reason: "resend",
				Mutate: func(p *Payment) error { p.Attempts++; return nil }},
			check: func(t *testing.T, before, after Payment) {
				if after.Attempts != before.Attempts+1 || len(after.History) != len(before.History) {
					t.Errorf("attempts %d→%d history %d→%d; want +1 and unchanged", before.Attempts, after.Attempts, len(before.History), len(after.History))
				}
				if !after.UpdatedAt.After(before.UpdatedAt) {
					t.Error("a touch must update UpdatedAt")
				}
			},
		},
		{
			name:      "wrong state is refused",
			path:      []State{Queued},
			tr:        Transition{From: []State{AwaitingScan}, To: Queued},
			wantState: &StateError{ID: "p1", Want: []State{AwaitingScan}, Got: Queued},
		},
		{
			name:      "final state cannot be left by a stale decision",
			path:      []State{Cancelled},
			tr:        Transition{From: []State{AwaitingScan, Queued}, To: Expired},
			wantState: &StateError{ID: "p1", Want: []State{AwaitingScan, Queued}, Got: Cancelled},
		},
		{
			name:    "Mutate error rolls back",
			path:    []State{Queued},
			tr:      Transition{From: []State{Queued}, To: InFlight, Mutate: func(p *Payment) error { p.Attempts = 99; return errBoom }},
			wantErr: errBoom,
		},
		{
			name:    "Mutate may not move the lane",
			tr:      Transition{From: []State{AwaitingScan}, To: Cancelled, Mutate: func(p *Payment) error { p.TerminalID = "lane-9"; return nil }},
			wantErr: ErrInvalid,
		},
		{
			name:    "Mutate may not set the state",
			tr:      Transition{From: []State{AwaitingScan}, To: Cancelled, Mutate: func(p *Payment) error { p.State = Approved; return nil }},
			wantErr: ErrInvalid,
		},
		{
			name:    "unknown target state",
			tr:      Transition{From: []State{AwaitingScan}, To: "paid"},
			wantErr: ErrInvalid,
		},
		{
			name:    "no From",
			tr:      Transition{To: Cancelled},
			wantErr: ErrInvalid,
		},
		{
			name:    "empty hook name",
			tr:      Transition{From: []State{AwaitingScan}, To: Cancelled, Hooks: []string{""}},
			wantErr: ErrInvalid,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			j := openTest(t, c)
			mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 250))
			walk(t, j, "p1", tc.path...)
			before, _ := j.Get("p1")
			c.Advance(time.Second)
			after, err := j.Transition("p1", tc.tr)
			stored, _ := j.Get("p1")
			var se *StateError
			switch {
			case tc.wantState != nil:
				if !errors.As(err, &se) || !reflect.DeepEqual(se, tc.wantState) {
					t.Fatalf("err = %#v, want %#v", err, tc.wantState)
				}
				for _, s := range append(tc.wantState.Want, tc.wantState.Got) {
					if !strings.Contains(err.Error(), string(s)) {
						t.Errorf("error %q does not name state %s", err, s)
					}
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatalf("Transition: %v", err)
				}
				if after.State != tc.tr.To || !reflect.DeepEqual(stored, after) {
					t.Fatalf("returned %+v, stored %+v", after, stored)
				}
				if tc.check != nil {
					tc.check(t, before, after)
				}
				return
			}
			if !reflect.DeepEqual(stored, before) {
				t.Errorf("a refused transition changed the payment:\nbefore %+v\nafter  %+v", before, stored)
			}
		})
	}
}

func TestTransitionMissingPayment(t *testing.T) {
	j := openTest(t, nil)
	_, err := j.Transition("nope", Transition{From: []State{Queued}, To: InFlight})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("err = %v, want ErrNotFound naming the id", err)
	}
}

func TestHooksAreEnqueuedWithTheTransition(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 80))
	walk(t, j, "p1", Queued, InFlight)

	// A refused transition enqueues nothing.
	_, err := j.Transition("p1", Transition{From: []State{InFlight}, To: Approved, Hooks: []string{"printer"},
		Mutate: func(*Payment) error { return errors.New("refuse") }})
	if err == nil {
		t.Fatal("Mutate error ignored")
	}
	if ds, _ := j.PendingDeliveries(); len(ds) != 0 {
		t.Fatalf("refused transition enqueued %d deliveries", len(ds))
	}

	now := c.Advance(time.Second)
	if _, err := j.Transition("p1", Transition{From: []State{InFlight}, To: Approved, Hooks: []string{"printer", "erp"}}); err != nil {
		t.Fatal(err)
	}
	ds, err := j.PendingDeliveries()
	if err != nil {
		t.Fatal(err)
	}
	want := []Delivery{
		{ID: "p1/approved/erp", PaymentID: "p1", State: Approved, Hook: "erp", NextTry: now, CreatedAt: now},
		{ID: "p1/approved/printer", PaymentID: "p1", State: Approved, Hook: "printer", NextTry: now, CreatedAt: now},
	}
	if !reflect.DeepEqual(ds, want) {
		t.Fatalf("deliveries = %+v\nwant %+v", ds, want)
	}

	// A touch naming the same hooks does not owe a second receipt.
	if _, err := j.Transition("p1", Transition{From: []State{Approved}, To: Approved, Hooks: []string{"printer"}}); err != nil {
		t.Fatal(err)
	}
	if ds, _ := j.PendingDeliveries(); len(ds) != 2 {
		t.Fatalf("touch re-enqueued: %d deliveries", len(ds))
	}

	// The outbox: failed deliveries wait, done ones leave.
	later := now.Add(time.Minute)
	if err := j.DeliveryFailed("p1/approved/printer", later, "printer offline"); err != nil {
		t.Fatal(err)
	}
	due, _ := j.DueDeliveries(now, 0)
	if len(due) != 1 || due[0].ID != "p1/approved/erp" {
		t.Fatalf("due now = %+v, want only erp", due)
	}
	due, _ = j.DueDeliveries(later, 0)
	if len(due) != 2 || due[1].ID != "p1/approved/printer" || due[1].Attempts != 1 || due[1].LastError != "printer offline" || !due[1].NextTry.Equal(later) {
		t.Fatalf("due later = %+v", due)
	}
	if due, _ := j.DueDeliveries(later, 1); len(due) != 1 {
		t.Fatalf("limit 1 gave %d", len(due))
	}
	if err := j.DeliveryDone("p1/approved/erp"); err != nil {
		t.Fatal(err)
	}
	if err := j.DeliveryDone("p1/approved/erp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second DeliveryDone = %v, want ErrNotFound", err)
	}
	if err := j.DeliveryFailed("p1/approved/printer", time.Time{}, "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("DeliveryFailed without next = %v, want ErrInvalid", err)
	}
	if ds, _ := j.PendingDeliveries(); len(ds) != 1 || ds[0].ID != "p1/approved/printer" {
		t.Fatalf("pending = %+v", ds)
	}
}

func TestRefunds(t *testing.T) {
	type step struct {
		create  *Refund
		move    string // refund id to move to To
		to      RefundState
		hooks   []string
		wantErr error
	}
	rf := func(id string, amount int64) *Refund { return &Refund{ID: id, PaymentID: "p1", Amount: amount} }
	tests := []struct {
		name         string
		path         []State
		steps        []step
		wantState    State
		wantRefunded int64
	}{
		{"not approved", []State{Queued, InFlight}, []step{{create: rf("r1", 10), wantErr: ErrNotRefundable}}, InFlight, 0},
		{"more than paid", []State{Queued, InFlight, Approved}, []step{{create: rf("r1", 301), wantErr: ErrRefundExceeds}}, Approved, 0},
		{"zero", []State{Queued, InFlight, Approved}, []step{{create: rf("r1", 0), wantErr: ErrInvalid}}, Approved, 0},
		{"partial", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 100)}, {move: "r1", to: RefundInFlight}, {move: "r1", to: RefundSucceeded, hooks: []string{"printer"}},
		}, Approved, 100},
		{"pending refunds hold their amount", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 200)}, {create: rf("r2", 101), wantErr: ErrRefundExceeds}, {create: rf("r3", 100)},
		}, Approved, 0},
		{"a failed refund frees its amount", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 300)}, {move: "r1", to: RefundFailed}, {create: rf("r2", 300)},
		}, Approved, 0},
		{"two partials make it refunded", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 100)}, {create: rf("r2", 200)},
			{move: "r1", to: RefundSucceeded}, {move: "r2", to: RefundSucceeded, hooks: []string{"printer"}},
			{create: rf("r3", 1), wantErr: ErrNotRefundable},
		}, Refunded, 300},
		{"hooks only on success", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 100)}, {move: "r1", to: RefundFailed, hooks: []string{"printer"}, wantErr: ErrInvalid},
		}, Approved, 0},
		{"same id twice", []State{Queued, InFlight, Approved}, []step{
			{create: rf("r1", 100)}, {create: rf("r1", 100), wantErr: ErrExists},
		}, Approved, 0},
		{"unknown payment", nil, []step{{create: &Refund{ID: "r1", PaymentID: "zz", Amount: 1}, wantErr: ErrNotFound}}, AwaitingScan, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			j := openTest(t, c)
			mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 300))
			walk(t, j, "p1", tc.path...)
			hooked := 0
			for i, s := range tc.steps {
				c.Advance(time.Second)
				var err error
				if s.create != nil {
					var r Refund
					r, err = j.CreateRefund(*s.create)
					if err == nil && (r.State != RefundPending || len(r.History) != 1) {
						t.Errorf("step %d: created %+v", i, r)
					}
				} else {
					cur, _ := j.GetRefund(s.move)
					var r Refund
					var p Payment
					r, p, err = j.TransitionRefund(s.move, RefundTransition{From: []RefundState{cur.State}, To: s.to, Hooks: s.hooks})
					if err == nil && (r.State != s.to || p.ID != "p1") {
						t.Errorf("step %d: moved to %+v, payment %s", i, r, p.ID)
					}
					if err == nil {
						hooked += len(s.hooks)
					}
				}
				if !errors.Is(err, s.wantErr) || (err == nil) != (s.wantErr == nil) {
					t.Fatalf("step %d: err = %v, want %v", i, err, s.wantErr)
				}
			}
			p, _ := j.Get("p1")
			if p.State != tc.wantState || p.RefundedAmount != tc.wantRefunded {
				t.Errorf("payment %s refunded %d, want %s %d", p.State, p.RefundedAmount, tc.wantState, tc.wantRefunded)
			}
			if p.State == Refunded && p.History[len(p.History)-1].State != Refunded {
				t.Errorf("history misses the refund: %+v", p.History)
			}
			ds, _ := j.PendingDeliveries()
			if len(ds) != hooked {
				t.Errorf("%d deliveries, want %d", len(ds), hooked)
			}
			for _, d := range ds {
				if d.RefundID == "" || d.State != Refunded || d.PaymentID != "p1" || !strings.HasPrefix(d.ID, d.RefundID+"/refunded/") {
					t.Errorf("refund delivery %+v", d)
				}
			}
		})
	}
}

func TestRefundCAS(t *testing.T) {
	j := openTest(t, nil)
	mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 300))
	walk(t, j, "p1", Queued, InFlight, Approved)
	if _, err := j.CreateRefund(Refund{ID: "r1", PaymentID: "p1", Amount: 50}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundPending}, To: RefundInFlight}); err != nil {
		t.Fatal(err)
	}
	_, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundPending}, To: RefundInFlight})
	var se *RefundStateError
	if !errors.As(err, &se) || se.Got != RefundInFlight {
		t.Fatalf("err = %v, want RefundStateError got in_flight", err)
	}
	pend, _ := j.PendingRefunds()
	if len(pend) != 1 {
		t.Fatalf("pending refunds = %d", len(pend))
	}
	if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundInFlight}, To: RefundUnknown}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundUnknown}, To: RefundSucceeded}); err != nil {
		t.Fatal(err)
	}
	if pend, _ := j.PendingRefunds(); len(pend) != 0 {
		t.Fatalf("succeeded refund still pending")
	}
	if rs, _ := j.Refunds("p1"); len(rs) != 1 || len(rs[0].History) != 4 {
		t.Fatalf("refunds = %+v", rs)
	}
}

func TestQueries(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	start := c.Now()
	for i, lane := range []string{"lane-1", "lane-2", "lane-1", "lane-3"} {
		c.Advance(time.Minute)
		mustCreate(t, j, newPayment(string(rune('a'+i)), lane, "O-"+string(rune('a'+i)), int64(100+i)))
	}
	walk(t, j, "b", Queued)
	walk(t, j, "c", Queued, InFlight, Approved)

	check := func(name string, got []Payment, err error, want ...string) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(ids(got), want) && !(len(want) == 0 && len(got) == 0) {
			t.Errorf("%s = %v, %v; want %v", name, ids(got), err, want)
		}
	}
	got, err := j.InState(AwaitingScan)
	check("InState(awaiting)", got, err, "a", "d")
	got, err = j.InState(Approved)
	check("InState(approved)", got, err, "c")
	got, err = j.Pending()
	check("Pending", got, err, "a", "b", "d")
	got, err = j.Recent(2)
	check("Recent(2)", got, err, "d", "c")
	got, err = j.Recent(0)
	check("Recent(0)", got, err, "d", "c", "b", "a")
	got, err = j.CreatedBetween(start.Add(2*time.Minute), start.Add(4*time.Minute), 0)
	check("CreatedBetween", got, err, "b", "c")
	got, err = j.CreatedBetween(start, start.Add(time.Hour), 3)
	check("CreatedBetween limit", got, err, "a", "b", "c")
	got, err = j.FindOrder("lane-2", "O-b")
	check("FindOrder", got, err, "b")
	got, err = j.FindOrder("lane-2", "O-")
	check("FindOrder of a prefix", got, err)
	if _, err := j.InState("paid"); !errors.Is(err, ErrInvalid) {
		t.Errorf("InState(paid) = %v", err)
	}
	if _, err := j.Get("zz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(zz) = %v", err)
	}
}

func TestPrune(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	// old: a final one with refunds and a failing receipt, a non-final one,
	// an approved one with a refund in progress; new: a final one.
	mustCreate(t, j, newPayment("old-done", "lane-1", "1", 100))
	walk(t, j, "old-done", Queued, InFlight)
	if _, err := j.Transition("old-done", Transition{From: []State{InFlight}, To: Approved, Hooks: []string{"printer"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CreateRefund(Refund{ID: "r-done", PaymentID: "old-done", Amount: 100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := j.TransitionRefund("r-done", RefundTransition{From: []RefundState{RefundPending}, To: RefundSucceeded, Hooks: []string{"printer"}}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("old-open", "lane-1", "2", 100))
	mustCreate(t, j, newPayment("old-refunding", "lane-1", "3", 100))
	walk(t, j, "old-refunding", Queued, InFlight, Approved)
	if _, err := j.CreateRefund(Refund{ID: "r-open", PaymentID: "old-refunding", Amount: 10}); err != nil {
		t.Fatal(err)
	}
	cut := c.Advance(time.Hour)
	mustCreate(t, j, newPayment("new-done", "lane-1", "4", 100))
	walk(t, j, "new-done", Cancelled)

	n, err := j.Prune(cut)
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	got, _ := j.Recent(0)
	if want := []string{"new-done", "old-refunding", "old-open"}; !reflect.DeepEqual(ids(got), want) {
		t.Fatalf("after prune: %v, want %v", ids(got), want)
	}
	if ds, _ := j.PendingDeliveries(); len(ds) != 0 {
		t.Errorf("deliveries of the pruned payment remain: %+v", ds)
	}
	if _, err := j.GetRefund("r-done"); !errors.Is(err, ErrNotFound) {
		t.Errorf("refund of the pruned payment remains: %v", err)
	}
	if n, err := j.Prune(cut); err != nil || n != 0 {
		t.Errorf("second Prune = %d, %v", n, err)
	}
}

func TestPruneManyChunks(t *testing.T) {
	c := newClock()
	j := openTest(t, c)
	const n = pruneChunk*2 + 7
	for i := range n {
		c.Advance(time.Millisecond)
		id := fmt.Sprintf("p%04d", i)
		mustCreate(t, j, newPayment(id, "lane-1", id, 10))
		if i%3 != 0 { // every third stays open
			walk(t, j, id, Cancelled)
		}
	}
	got, err := j.Prune(c.Advance(time.Second))
	if want := n - (n+2)/3; err != nil || got != want {
		t.Fatalf("Prune = %d, %v; want %d", got, err, want)
	}
	if left, _ := j.Recent(0); len(left) != (n+2)/3 {
		t.Fatalf("%d left", len(left))
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("p1", "lane-1", "A", 100))
	walk(t, j, "p1", Queued, InFlight)
	if _, err := j.Transition("p1", Transition{From: []State{InFlight}, To: Approved, Hooks: []string{"printer"},
		Mutate: func(p *Payment) error {
			p.WalletRef = map[string]string{"MerchantTradeNo": "A-1"}
			p.Answer = WalletAnswer{Code: "000", TransactionID: "T9"}
			return nil
		}}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CreateRefund(Refund{ID: "r1", PaymentID: "p1", Amount: 40}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, j, newPayment("p2", "lane-2", "B", 50))
	snapshot := func(j *Journal) any {
		ps, err1 := j.Recent(0)
		rs, err2 := j.Refunds("p1")
		ds, err3 := j.PendingDeliveries()
		pend, err4 := j.Pending()
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatal(err)
		}
		return []any{ps, rs, ds, pend}
	}
	before := snapshot(j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Check(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(j); !reflect.DeepEqual(before, after) {
		t.Fatalf("reopen changed the journal:\nbefore %+v\nafter  %+v", before, after)
	}
	if j.Path() != path {
		t.Errorf("Path = %q", j.Path())
	}
}

// TestOpenCreatesOwnerOnlyFiles: the journal's folder and file are the
// service user's alone. Unix modes only: Windows has no mode bits (Go shows
// 0666/0777 there), its equivalent is the access list.
func TestOpenCreatesOwnerOnlyFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no mode bits; there the daemon narrows data_dir's and the journal's access lists, checked by daemon.TestDataDirAndTokenArePrivateOnWindows")
	}
	dir := filepath.Join(t.TempDir(), "var", "scanpay")
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, path: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode() != want {
			t.Errorf("%s mode %v, %v; want %v", p, fi.Mode(), err, want)
		}
	}
}

func TestOpenFilesAndErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "scanpay")
	path := filepath.Join(dir, "journal.db")
	j, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open("", Options{}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "data_dir") {
		t.Errorf("Open(\"\") = %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a journal ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(junk, Options{}); err == nil || !strings.Contains(err.Error(), junk) {
		t.Errorf("Open(junk) = %v; want an error naming the file", err)
	}
	// Same process, second handle: bbolt's flock is per open file, so this
	// also proves the timeout turns into ErrLocked.
	j, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	start := time.Now()
	_, err = Open(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another scanpay") {
		t.Fatalf("second Open = %v; want ErrLocked naming %s", err, path)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ErrLocked took %v", d)
	}
}

func TestErrorsNeverCarryTheCode(t *testing.T) {
	const code = "2212345678901234AB"
	j := openTest(t, nil)
	p := newPayment("p1", "lane-1", "A", 10)
	p.State, p.FullCode = Queued, code
	mustCreate(t, j, p)
	var errs []error
	_, err := j.Transition("p1", Transition{From: []State{AwaitingScan}, To: InFlight})
	errs = append(errs, err)
	_, err = j.Transition("p1", Transition{From: []State{Queued}, To: InFlight, Mutate: func(p *Payment) error { p.TerminalID = "x"; return nil }})
	errs = append(errs, err)
	_, err = j.CreateRefund(Refund{ID: "r", PaymentID: "p1", Amount: 1})
	errs = append(errs, err)
	_, _, err = j.Create(Payment{ID: "p2", TerminalID: "l", OrderNumber: "o", Amount: -1, FullCode: code, State: Queued})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil || strings.Contains(err.Error(), code) {
			t.Errorf("error %d = %v; want an error without the code", i, err)
		}
	}
}

// With the real clock, what a write returns is exactly what a later Get
// returns (no monotonic reading, no zone drift), so callers may compare.
func TestReturnedEqualsStored(t *testing.T) {
	j := openTest(t, nil)
	created, _, err := j.Create(newPayment("p1", "lane-1", "A", 10))
	if err != nil {
		t.Fatal(err)
	}
	moved, err := j.Transition("p1", Transition{From: []State{AwaitingScan}, To: Cancelled, Reason: "pos cancelled"})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := j.Get("p1")
	if err != nil || !reflect.DeepEqual(moved, stored) {
		t.Fatalf("Transition returned %+v\nGet returns %+v (%v)", moved, stored, err)
	}
	if !reflect.DeepEqual(stored.History[0], created.History[0]) {
		t.Fatalf("history entry changed on disk: %+v vs %+v", stored.History[0], created.History[0])
	}
}

// TestApprovedStaysWhileARefundRuns: a payment with a refund still in
// progress cannot leave approved (e.g. to reversing): the check is in the
// transition's own transaction, so no refund can slip in between a caller's
// look at the refunds and its move. Once the refund is final, it can.
func TestApprovedStaysWhileARefundRuns(t *testing.T) {
	j := openTest(t, newClock())
	mustCreate(t, j, newPayment("p1", "lane-1", "A-1", 100))
	walk(t, j, "p1", Queued, InFlight, Approved)
	if _, err := j.CreateRefund(Refund{ID: "r1", PaymentID: "p1", Amount: 30}); err != nil {
		t.Fatal(err)
	}
	for _, rs := range []RefundState{RefundPending, RefundInFlight, RefundUnknown} {
		if rs != RefundPending {
			if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundPending, RefundInFlight}, To: rs}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := j.Transition("p1", Transition{From: []State{Approved}, To: Reversing, Reason: "cancelled"})
		if !errors.Is(err, ErrRefundInProgress) || !strings.Contains(err.Error(), "r1") {
			t.Fatalf("approved → reversing with refund r1 %s: %v; want ErrRefundInProgress naming r1", rs, err)
		}
	}
	// A touch (approved → approved) is no move out of approved.
	if _, err := j.Transition("p1", Transition{From: []State{Approved}, To: Approved}); err != nil {
		t.Fatalf("touch of an approved payment with a refund running: %v", err)
	}
	if p, _ := j.Get("p1"); p.State != Approved {
		t.Fatalf("payment is %s, want approved", p.State)
	}
	// And while it is reversing, no refund can start.
	if _, _, err := j.TransitionRefund("r1", RefundTransition{From: []RefundState{RefundUnknown}, To: RefundSucceeded}); err != nil {
		t.Fatal(err)
	}
	walk(t, j, "p1", Reversing)
	if _, err := j.CreateRefund(Refund{ID: "r2", PaymentID: "p1", Amount: 10}); !errors.Is(err, ErrNotRefundable) {
		t.Fatalf("refund of a payment being reversed: %v; want ErrNotRefundable", err)
	}
}
