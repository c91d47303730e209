package store

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"
)

var modelSteps = flag.Int("model.steps", 3000, "random operations in TestModel")

// The model: what the journal should hold, kept the simplest way.
type mPay struct {
	id, lane, order string
	amount          int64
	state           State
	created         time.Time
	hasCode         bool
	hist, attempts  int
	refunded        int64
}

type mRef struct {
	id, pid string
	amount  int64
	state   RefundState
	created time.Time
}

type mDel struct {
	id, pid  string
	next     time.Time
	attempts int
}

type model struct {
	pays map[string]*mPay
	refs map[string]*mRef
	dels map[string]*mDel
}

// sorted returns the model's payments oldest first.
func (m *model) sorted() []*mPay {
	out := make([]*mPay, 0, len(m.pays))
	for _, p := range m.pays {
		out = append(out, p)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].created.Before(out[b].created) })
	return out
}

// inState lists the ids of the model's payments in s, oldest first.
func (m *model) inState(s State) []string {
	var out []string
	for _, p := range m.sorted() {
		if p.state == s {
			out = append(out, p.id)
		}
	}
	return out
}

// openFor mirrors holderOfOrder: the payment that may take money, else the
// oldest approved one, else the oldest other open one.
func (m *model) openFor(lane, order, except string) *mPay {
	var approved, fallback *mPay
	for _, p := range m.sorted() {
		if p.lane != lane || p.order != order || p.id == except {
			continue
		}
		switch {
		case taking(p.state):
			return p
		case p.state == Approved && approved == nil:
			approved = p
		case !p.state.Final() && fallback == nil:
			fallback = p
		}
	}
	if approved != nil {
		return approved
	}
	return fallback
}

func (m *model) refundOpen(pid string) bool {
	for _, r := range m.refs {
		if r.pid == pid && !r.state.Final() {
			return true
		}
	}
	return false
}

func (m *model) held(pid string) int64 {
	var n int64
	for _, r := range m.refs {
		if r.pid == pid && r.state != RefundFailed {
			n += r.amount
		}
	}
	return n
}

func (m *model) enqueue(id, pid string, now time.Time) {
	if m.dels[id] == nil {
		m.dels[id] = &mDel{id: id, pid: pid, next: now}
	}
}

var refundStatesAll = []RefundState{RefundPending, RefundInFlight, RefundUnknown, RefundSucceeded, RefundFailed}

// TestModel applies thousands of random operations to a journal and to the
// model, compares every answer, and every few steps compares every query
// and runs Check. Any failure prints the seed; -model.steps raises the count.
func TestModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	c := newClock()
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { j.Close() }()
	m := &model{pays: map[string]*mPay{}, refs: map[string]*mRef{}, dels: map[string]*mDel{}}
	pick := func(keys []string) string {
		if len(keys) == 0 || rng.IntN(20) == 0 {
			return "missing"
		}
		return keys[rng.IntN(len(keys))]
	}
	var payIDs, refIDs []string
	ops := map[string]int{}
	for step := range *modelSteps {
		now := c.Advance(time.Duration(1+rng.IntN(3)) * time.Second)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d step %d: %s", seed, step, fmt.Sprintf(format, args...))
		}
		switch r := rng.IntN(100); {
		case r < 20: // create
			ops["create"]++
			id := fmt.Sprint("p", step)
			p := newPayment(id, fmt.Sprint("l", rng.IntN(3)), fmt.Sprint("o", rng.IntN(4)), int64(1+rng.IntN(500)))
			if rng.IntN(2) == 0 {
				p.State, p.FullCode = Queued, "2212345678901234AB"
			}
			if rng.IntN(30) == 0 {
				p.Amount = 0
			}
			got, created, err := j.Create(p)
			switch open := m.openFor(p.TerminalID, p.OrderNumber, ""); {
			case p.Amount == 0:
				if !errors.Is(err, ErrInvalid) {
					fail("create with no amount: %v", err)
				}
			case open != nil:
				if err != nil || created || got.ID != open.id {
					fail("create for open order: %s %v %v, want %s", got.ID, created, err, open.id)
				}
			default:
				if err != nil || !created || got.ID != id {
					fail("create: %v %v", created, err)
				}
				m.pays[id] = &mPay{id: id, lane: p.TerminalID, order: p.OrderNumber, amount: p.Amount, state: p.State,
					created: now, hasCode: p.FullCode != "", hist: 1}
				payIDs = append(payIDs, id)
			}
		case r < 55: // transition
			ops["transition"]++
			id := pick(payIDs)
			mp := m.pays[id]
			var from []State
			if mp != nil && rng.IntN(10) < 7 {
				from = append(from, mp.state)
			}
			from = append(from, States[rng.IntN(len(States))])
			to := States[rng.IntN(len(States))]
			var hooks []string
			if rng.IntN(3) == 0 {
				hooks = []string{"h"}
			}
			boom := rng.IntN(20) == 0
			got, err := j.Transition(id, Transition{From: from, To: to, Reason: "model", Hooks: hooks,
				Mutate: func(p *Payment) error {
					if boom {
						return errors.New("boom")
					}
					p.Attempts++
					if to == Queued {
						p.FullCode = "2212345678901234AB"
					}
					return nil
				}})
			var se *StateError
			switch {
			case mp == nil:
				if !errors.Is(err, ErrNotFound) {
					fail("transition of missing: %v", err)
				}
			case !slices.Contains(from, mp.state):
				if !errors.As(err, &se) || se.Got != mp.state {
					fail("CAS miss %s from %v: %v", mp.state, from, err)
				}
			case mp.state == Approved && to != Approved && m.refundOpen(id):
				if !errors.Is(err, ErrRefundInProgress) {
					fail("leave approved beside an open refund: %v", err)
				}
			case taking(to) && !taking(mp.state) && m.openFor(mp.lane, mp.order, id) != nil:
				if !errors.Is(err, ErrExists) {
					fail("reopen beside an open payment: %v", err)
				}
			case boom:
				if err == nil || err.Error() == "" {
					fail("Mutate error lost")
				}
			default:
				if err != nil {
					fail("transition %s %s→%s: %v", id, mp.state, to, err)
				}
				ops["transition ok"]++
				mp.attempts++
				if to != mp.state {
					mp.state = to
					mp.hist++
				}
				if to == Queued {
					mp.hasCode = true
				}
				if to.Final() {
					mp.hasCode = false
				}
				for _, h := range hooks {
					m.enqueue(id+"/"+string(to)+"/"+h, id, now)
				}
				if got.State != mp.state || got.Attempts != mp.attempts || len(got.History) != mp.hist || (got.FullCode != "") != mp.hasCode {
					fail("transition returned %+v, model %+v", got, mp)
				}
			}
		case r < 67: // create refund
			ops["refund"]++
			pid := pick(payIDs)
			if approved := m.inState(Approved); len(approved) > 0 && rng.IntN(10) < 7 {
				pid = approved[rng.IntN(len(approved))]
			}
			id := fmt.Sprint("r", step)
			amount := int64(1 + rng.IntN(300))
			_, err := j.CreateRefund(Refund{ID: id, PaymentID: pid, Amount: amount})
			mp := m.pays[pid]
			switch {
			case mp == nil:
				if !errors.Is(err, ErrNotFound) {
					fail("refund of missing: %v", err)
				}
			case mp.state != Approved:
				if !errors.Is(err, ErrNotRefundable) {
					fail("refund of %s payment: %v", mp.state, err)
				}
			case m.held(pid)+amount > mp.amount:
				if !errors.Is(err, ErrRefundExceeds) {
					fail("refund over amount: %v", err)
				}
			default:
				if err != nil {
					fail("refund: %v", err)
				}
				ops["refund ok"]++
				m.refs[id] = &mRef{id: id, pid: pid, amount: amount, state: RefundPending, created: now}
				refIDs = append(refIDs, id)
			}
		case r < 82: // move a refund
			ops["refund move"]++
			id := pick(refIDs)
			mr := m.refs[id]
			var from []RefundState
			if mr != nil && rng.IntN(10) < 7 {
				from = append(from, mr.state)
			}
			from = append(from, refundStatesAll[rng.IntN(len(refundStatesAll))])
			to := refundStatesAll[rng.IntN(len(refundStatesAll))]
			var hooks []string
			if rng.IntN(3) == 0 {
				hooks = []string{"h"}
			}
			_, gotP, err := j.TransitionRefund(id, RefundTransition{From: from, To: to, Hooks: hooks})
			var se *RefundStateError
			switch {
			case len(hooks) > 0 && to != RefundSucceeded:
				if !errors.Is(err, ErrInvalid) {
					fail("hooks on %s refund: %v", to, err)
				}
			case mr == nil:
				if !errors.Is(err, ErrNotFound) {
					fail("move of missing refund: %v", err)
				}
			case !slices.Contains(from, mr.state):
				if !errors.As(err, &se) || se.Got != mr.state {
					fail("refund CAS miss: %v", err)
				}
			case mr.state.Final() && to != mr.state:
				if !errors.Is(err, ErrInvalid) {
					fail("finished refund moved: %v", err)
				}
			default:
				if err != nil {
					fail("move refund %s %s→%s: %v", id, mr.state, to, err)
				}
				ops["refund move ok"]++
				mp := m.pays[mr.pid]
				if to != mr.state && to == RefundSucceeded {
					mp.refunded += mr.amount
					if mp.refunded >= mp.amount && mp.state == Approved {
						mp.state = Refunded
						mp.hist++
					}
				}
				mr.state = to
				for _, h := range hooks {
					m.enqueue(id+"/refunded/"+h, mr.pid, now)
				}
				if gotP.State != mp.state || gotP.RefundedAmount != mp.refunded {
					fail("refund move returned payment %s %d, model %s %d", gotP.State, gotP.RefundedAmount, mp.state, mp.refunded)
				}
			}
		case r < 92: // deliveries
			ops["delivery"]++
			ids := make([]string, 0, len(m.dels))
			for id := range m.dels {
				ids = append(ids, id)
			}
			sort.Strings(ids)
			id := pick(ids)
			md := m.dels[id]
			var err error
			if rng.IntN(2) == 0 {
				err = j.DeliveryDone(id)
				if md != nil && err == nil {
					delete(m.dels, id)
				}
			} else {
				next := now.Add(time.Duration(rng.IntN(60)) * time.Second)
				err = j.DeliveryFailed(id, next, "offline")
				if md != nil && err == nil {
					md.attempts++
					md.next = next
				}
			}
			if (md == nil) != errors.Is(err, ErrNotFound) || (md != nil && err != nil) {
				fail("delivery %s: %v", id, err)
			}
		case r < 95: // prune
			ops["prune"]++
			cut := now.Add(-time.Duration(300+rng.IntN(600)) * time.Second)
			want := 0
			for _, p := range m.pays {
				if !p.created.Before(cut) || !p.state.Final() {
					continue
				}
				open := false
				for _, r := range m.refs {
					if r.pid == p.id && !r.state.Final() {
						open = true
					}
				}
				if open {
					continue
				}
				want++
				delete(m.pays, p.id)
				for id, r := range m.refs {
					if r.pid == p.id {
						delete(m.refs, id)
					}
				}
				for id, d := range m.dels {
					if d.pid == p.id {
						delete(m.dels, id)
					}
				}
			}
			n, err := j.Prune(cut)
			if err != nil || n != want {
				fail("prune = %d, %v; want %d", n, err, want)
			}
			payIDs = slices.DeleteFunc(payIDs, func(id string) bool { return m.pays[id] == nil })
			refIDs = slices.DeleteFunc(refIDs, func(id string) bool { return m.refs[id] == nil })
		default: // restart
			ops["reopen"]++
			if err := j.Close(); err != nil {
				fail("close: %v", err)
			}
			if j, err = Open(path, Options{Now: c.Now}); err != nil {
				fail("reopen: %v", err)
			}
		}
		if step%25 == 24 || step == *modelSteps-1 {
			compareModel(t, j, m, now, fmt.Sprintf("seed %d step %d", seed, step))
		}
	}
	t.Logf("ops %v; %d payments, %d refunds, %d deliveries at the end", ops, len(m.pays), len(m.refs), len(m.dels))
}

// compareModel checks every query against the model, and Check.
func compareModel(t *testing.T, j *Journal, m *model, now time.Time, where string) {
	t.Helper()
	if err := j.Check(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	all := m.sorted()
	var wantRecent, wantPending []string
	byState := map[State][]string{}
	for i := len(all) - 1; i >= 0; i-- {
		wantRecent = append(wantRecent, all[i].id)
	}
	for _, p := range all {
		if !p.state.Final() {
			wantPending = append(wantPending, p.id)
		}
		byState[p.state] = append(byState[p.state], p.id)
		got, err := j.Get(p.id)
		if err != nil || got.State != p.state || got.Attempts != p.attempts || len(got.History) != p.hist ||
			got.RefundedAmount != p.refunded || (got.FullCode != "") != p.hasCode {
			t.Fatalf("%s: Get(%s) = %+v, %v; model %+v", where, p.id, got, err, p)
		}
	}
	same := func(name string, got []Payment, err error, want []string) {
		t.Helper()
		if err != nil || !slices.Equal(ids(got), want) {
			t.Fatalf("%s: %s = %v, %v; model %v", where, name, ids(got), err, want)
		}
	}
	got, err := j.Recent(0)
	same("Recent", got, err, wantRecent)
	got, err = j.Pending()
	same("Pending", got, err, wantPending)
	for _, s := range States {
		got, err = j.InState(s)
		same("InState "+string(s), got, err, byState[s])
	}
	for l := range 3 {
		for o := range 4 {
			var want []string
			for _, id := range wantRecent {
				if p := m.pays[id]; p.lane == fmt.Sprint("l", l) && p.order == fmt.Sprint("o", o) {
					want = append(want, id)
				}
			}
			got, err = j.FindOrder(fmt.Sprint("l", l), fmt.Sprint("o", o))
			same("FindOrder", got, err, want)
		}
	}
	var wantOpenRefunds []string
	for _, r := range m.refs {
		if !r.state.Final() {
			wantOpenRefunds = append(wantOpenRefunds, r.id)
		}
	}
	refs, err := j.PendingRefunds()
	var gotOpen []string
	for _, r := range refs {
		gotOpen = append(gotOpen, r.ID)
	}
	slices.Sort(gotOpen)
	slices.Sort(wantOpenRefunds)
	if err != nil || !slices.Equal(gotOpen, wantOpenRefunds) {
		t.Fatalf("%s: PendingRefunds = %v, %v; model %v", where, gotOpen, err, wantOpenRefunds)
	}
	dels, err := j.PendingDeliveries()
	if err != nil || len(dels) != len(m.dels) {
		t.Fatalf("%s: %d deliveries, %v; model %d", where, len(dels), err, len(m.dels))
	}
	due := 0
	for i, d := range dels {
		md := m.dels[d.ID]
		if md == nil || md.attempts != d.Attempts || !md.next.Equal(d.NextTry) || md.pid != d.PaymentID {
			t.Fatalf("%s: delivery %+v, model %+v", where, d, md)
		}
		if i > 0 && d.NextTry.Before(dels[i-1].NextTry) {
			t.Fatalf("%s: deliveries out of order", where)
		}
		if !d.NextTry.After(now) {
			due++
		}
	}
	if got, err := j.DueDeliveries(now, 0); err != nil || len(got) != due {
		t.Fatalf("%s: %d due, %v; model %d", where, len(got), err, due)
	}
}
