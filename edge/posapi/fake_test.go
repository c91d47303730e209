package posapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// fakeEngine is a small in-memory engine with the engine's contract
// (edge/api.go): enough to drive every route. The real engine is tested in
// edge/ and end to end in e2e/.
type fakeEngine struct {
	mu       sync.Mutex
	lanes    map[string]bool
	payments map[string]*edge.PaymentView
	order    []string
	changed  chan struct{} // closed and replaced on every change
	subs     map[chan edge.Event]bool
	health   edge.Health
	scans    []scanner.Scan
	fail     error // when set, every payment call fails with it
	now      time.Time
	keys     map[string]edge.RefundView // refunds by idempotency key
	warn     map[string][]edge.Warning  // a checkout's warnings, by lane
}

func newFakeEngine(lanes ...string) *fakeEngine {
	f := &fakeEngine{
		lanes:    map[string]bool{},
		payments: map[string]*edge.PaymentView{},
		changed:  make(chan struct{}),
		subs:     map[chan edge.Event]bool{},
		health:   edge.Health{OK: true, Pending: map[string]int{}, Hooks: map[string]string{}},
		now:      time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC),
	}
	for _, l := range lanes {
		f.lanes[l] = true
	}
	return f
}

func (f *fakeEngine) notifyLocked(v edge.PaymentView) {
	close(f.changed)
	f.changed = make(chan struct{})
	for ch := range f.subs {
		select {
		case ch <- edge.Event{Type: "payment", At: f.now, Data: v}:
		default:
		}
	}
}

func (f *fakeEngine) CreatePayment(ctx context.Context, req edge.CreateRequest) (edge.PaymentView, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return edge.PaymentView{}, false, f.fail
	}
	if req.TerminalID == "" || req.OrderNumber == "" || req.Amount <= 0 {
		return edge.PaymentView{}, false, edge.Errorf(edge.ErrInvalidRequest, "terminal_id, order_number and a positive amount are required")
	}
	if !f.lanes[req.TerminalID] {
		return edge.PaymentView{}, false, edge.Errorf(edge.ErrUnknownTerminal, "terminal_id %q is not a configured lane: add a [[scanners]] entry for it", req.TerminalID)
	}
	for _, id := range f.order {
		p := f.payments[id]
		if p.TerminalID == req.TerminalID && p.OrderNumber == req.OrderNumber && !p.Final {
			return *p, false, nil
		}
	}
	id := fmt.Sprintf("pay-%d", len(f.order)+1)
	st := store.AwaitingScan
	v := &edge.PaymentView{
		ID: id, TerminalID: req.TerminalID, OrderNumber: req.OrderNumber, Amount: req.Amount,
		Undiscountable: req.Undiscountable, Description: req.Description, Items: req.Items,
		State: st, CreatedAt: f.now, UpdatedAt: f.now,
		History: []store.Change{{State: st, At: f.now, Reason: "created by the POS"}},
	}
	if req.Barcode != "" {
		v.State, v.MaskedCode, v.Wallet = store.Queued, mask.Code(req.Barcode), "jkopay"
	}
	f.payments[id] = v
	f.order = append(f.order, id)
	f.notifyLocked(*v)
	answer := *v
	answer.Warnings = f.warn[req.TerminalID]
	return answer, true, nil
}

func (f *fakeEngine) Payment(ctx context.Context, id string) (edge.PaymentView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return edge.PaymentView{}, f.fail
	}
	p, ok := f.payments[id]
	if !ok {
		return edge.PaymentView{}, edge.Errorf(edge.ErrNotFound, "no payment %q: check the id returned by POST /v1/payments", id)
	}
	return *p, nil
}

func (f *fakeEngine) Wait(ctx context.Context, id string, d time.Duration) (edge.PaymentView, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		f.mu.Lock()
		p, ok := f.payments[id]
		changed := f.changed
		var v edge.PaymentView
		if ok {
			v = *p
		}
		f.mu.Unlock()
		if !ok {
			return v, edge.Errorf(edge.ErrNotFound, "no payment %q", id)
		}
		if v.Final {
			return v, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return v, nil
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

// settle moves a payment to state, as the engine would after the wallet
// answered.
func (f *fakeEngine) settle(id string, st store.State) { f.settleWhy(id, st, "wallet answered") }

func (f *fakeEngine) settleWhy(id string, st store.State, reason string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.payments[id]
	p.State, p.Final = st, st.Final()
	p.History = append(p.History, store.Change{State: st, At: f.now, Reason: reason})
	f.notifyLocked(*p)
}

func (f *fakeEngine) Search(ctx context.Context, q edge.Query) ([]edge.PaymentView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []edge.PaymentView
	for _, id := range f.order {
		p := f.payments[id]
		if (q.OrderNumber == "" || q.OrderNumber == p.OrderNumber) &&
			(q.TerminalID == "" || q.TerminalID == p.TerminalID) &&
			(q.State == "" || q.State == p.State) {
			out = append(out, *p)
		}
	}
	return out, nil
}

func (f *fakeEngine) Cancel(ctx context.Context, id string) (edge.PaymentView, error) {
	f.mu.Lock()
	p, ok := f.payments[id]
	f.mu.Unlock()
	if !ok {
		return edge.PaymentView{}, edge.Errorf(edge.ErrNotFound, "no payment %q", id)
	}
	if p.State != store.AwaitingScan {
		return edge.PaymentView{}, edge.Errorf(edge.ErrConflict, "payment %s is %s: it can no longer be cancelled before a scan", id, p.State)
	}
	f.settle(id, store.Cancelled)
	return f.Payment(ctx, id)
}

func (f *fakeEngine) RefundOnce(ctx context.Context, id string, amount int64, key string) (edge.RefundView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.payments[id]
	if !ok {
		return edge.RefundView{}, edge.Errorf(edge.ErrNotFound, "no payment %q", id)
	}
	if p.State != store.Approved {
		return edge.RefundView{}, edge.Errorf(edge.ErrConflict, "payment %s is %s: only an approved payment can be refunded", id, p.State)
	}
	if first, ok := f.keys[key]; ok && key != "" {
		if first.PaymentID != id || first.Amount != amount {
			return edge.RefundView{}, edge.Errorf(edge.ErrConflict, "the Idempotency-Key %q was first sent with another request", key)
		}
		return first, nil
	}
	if amount > p.Amount-p.RefundedAmount {
		return edge.RefundView{}, edge.Errorf(edge.ErrRefundRefused, "NT$%d is more than the NT$%d left to refund", amount, p.Amount-p.RefundedAmount)
	}
	p.RefundedAmount += amount
	r := edge.RefundView{ID: fmt.Sprintf("%s-r%d", id, len(p.Refunds)+1), PaymentID: id, Amount: amount,
		State: store.RefundSucceeded, CreatedAt: f.now, UpdatedAt: f.now}
	p.Refunds = append(p.Refunds, r)
	if key != "" {
		if f.keys == nil {
			f.keys = map[string]edge.RefundView{}
		}
		f.keys[key] = r
	}
	return r, nil
}

// Settle follows the engine's contract: only an unknown payment, or a
// reversing one as reversed.
func (f *fakeEngine) Settle(ctx context.Context, id string, req edge.SettleRequest) (edge.PaymentView, error) {
	f.mu.Lock()
	p, ok := f.payments[id]
	f.mu.Unlock()
	if !ok {
		return edge.PaymentView{}, edge.Errorf(edge.ErrNotFound, "no payment %q", id)
	}
	if req.Outcome == edge.SettleReversed {
		if p.State != store.Reversing {
			return edge.PaymentView{}, edge.Errorf(edge.ErrConflict, "payment %s is %s, not reversing", id, p.State)
		}
		f.settleWhy(id, store.Reversed, "settled by an operator: "+req.Note)
		return f.Payment(ctx, id)
	}
	if p.State != store.Unknown {
		return edge.PaymentView{}, edge.Errorf(edge.ErrConflict, "payment %s is %s, not unknown: only an unknown payment may be settled by an operator", id, p.State)
	}
	if strings.TrimSpace(req.Note) == "" {
		return edge.PaymentView{}, edge.Errorf(edge.ErrInvalidRequest, "note is empty: say who checked what")
	}
	if len(req.Note) > edge.MaxSettleNote { // as the engine's checkSettle
		return edge.PaymentView{}, edge.Errorf(edge.ErrInvalidRequest, "note is %d bytes long: keep it at most %d", len(req.Note), edge.MaxSettleNote)
	}
	st := store.Declined
	if req.Outcome == edge.SettleApproved {
		st = store.Approved
	}
	f.settleWhy(id, st, "settled by an operator: "+req.Note)
	return f.Payment(ctx, id)
}

func (f *fakeEngine) SettleRefund(ctx context.Context, id string, req edge.SettleRequest) (edge.RefundView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.payments {
		for _, r := range p.Refunds {
			if r.ID == id {
				return edge.RefundView{}, edge.Errorf(edge.ErrConflict, "refund %s is %s, not unknown: only an unknown refund may be settled by an operator", id, r.State)
			}
		}
	}
	return edge.RefundView{}, edge.Errorf(edge.ErrNotFound, "no such refund %q", id)
}

func (f *fakeEngine) Scan(ctx context.Context, s scanner.Scan) (edge.ScanResult, error) {
	f.mu.Lock()
	f.scans = append(f.scans, s)
	if !f.lanes[s.Lane] {
		f.mu.Unlock()
		return edge.ScanResult{}, edge.Errorf(edge.ErrUnknownTerminal, "terminal_id %q is not a configured lane", s.Lane)
	}
	var waiting string
	for _, id := range f.order {
		if p := f.payments[id]; p.TerminalID == s.Lane && p.State == store.AwaitingScan {
			waiting = id
		}
	}
	f.mu.Unlock()
	if waiting == "" {
		return edge.ScanResult{Kind: "passthrough", Class: "product", Masked: mask.Code(s.Code)}, nil
	}
	f.settle(waiting, store.Approved)
	return edge.ScanResult{Kind: "payment", Class: "jkopay", PaymentID: waiting, Masked: mask.Code(s.Code)}, nil
}

func (f *fakeEngine) Subscribe(ctx context.Context) <-chan edge.Event {
	ch := make(chan edge.Event, 16)
	f.mu.Lock()
	f.subs[ch] = true
	f.mu.Unlock()
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		close(ch)
		f.mu.Unlock()
	})
	return ch
}

func (f *fakeEngine) publish(ev edge.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		ch <- ev
	}
}

// waitForPayment waits until n payments exist and returns the last id.
func (f *fakeEngine) waitForPayment(n int) string {
	for {
		f.mu.Lock()
		if len(f.order) >= n {
			id := f.order[n-1]
			f.mu.Unlock()
			return id
		}
		f.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *fakeEngine) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *fakeEngine) Health() edge.Health {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.health
}

type fakeDevices []scanner.DeviceStatus

func (d fakeDevices) Status() []scanner.DeviceStatus { return d }

// asStored is the fake's payments as the journal would hold them, for
// the reports (edge/report computes them as the engine does).
func (f *fakeEngine) asStored() []store.Payment {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Payment
	for _, id := range f.order {
		p := f.payments[id]
		out = append(out, store.Payment{ID: p.ID, TerminalID: p.TerminalID, OrderNumber: p.OrderNumber, Amount: p.Amount,
			Wallet: p.Wallet, MaskedCode: p.MaskedCode, State: p.State, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
			History: p.History, Answer: p.Answer, RefundedAmount: p.RefundedAmount})
	}
	return out
}

// CreatedBetween makes the fake a report.Source.
func (f *fakeEngine) CreatedBetween(from, to time.Time, limit int) ([]store.Payment, error) {
	var out []store.Payment
	for _, p := range f.asStored() {
		if !p.CreatedAt.Before(from) && p.CreatedAt.Before(to) {
			out = append(out, p)
		}
	}
	return out, nil
}

// PendingRefunds makes the fake a report.Source: its refunds not final.
func (f *fakeEngine) PendingRefunds() ([]store.Refund, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Refund
	for _, id := range f.order {
		for _, r := range f.payments[id].Refunds {
			if !r.State.Final() {
				out = append(out, store.Refund{ID: r.ID, PaymentID: r.PaymentID, Amount: r.Amount, State: r.State, CreatedAt: r.CreatedAt})
			}
		}
	}
	return out, nil
}

var fakeReportDay = report.Config{Location: time.UTC}

func (f *fakeEngine) DailyReport(ctx context.Context, date string) (report.Daily, error) {
	r, _ := report.New(f, fakeReportDay)
	d, err := r.Daily(date, f.now)
	if ie := (*report.InputError)(nil); errors.As(err, &ie) {
		return d, edge.Errorf(edge.ErrInvalidRequest, "%s", ie.Msg)
	}
	return d, err
}

func (f *fakeEngine) PaymentRows(ctx context.Context, from, to string) (report.Export, error) {
	r, _ := report.New(f, fakeReportDay)
	ex, err := r.Rows(from, to)
	if ie := (*report.InputError)(nil); errors.As(err, &ie) {
		return ex, edge.Errorf(edge.ErrInvalidRequest, "%s", ie.Msg)
	}
	return ex, err
}
