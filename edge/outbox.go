package edge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/scanpay/scanpay/edge/hooks"
	"github.com/scanpay/scanpay/store"
)

// HookEvent is the data of a "hook" event: a receipt delivery failed.
type HookEvent struct {
	Hook      string      `json:"hook"`
	PaymentID string      `json:"payment_id"`
	RefundID  string      `json:"refund_id,omitempty"`
	State     store.State `json:"state"`
	Attempts  int         `json:"attempts"`
	Error     string      `json:"error"`
	NextTry   time.Time   `json:"next_try"`
}

func (e *Engine) kickOutbox() {
	select {
	case e.outboxKick <- struct{}{}:
	default:
	}
}

// outboxLoop delivers receipts at least once: a delivery leaves the journal
// only after its hook succeeded.
func (e *Engine) outboxLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.Poll)
	defer t.Stop()
	for {
		for e.deliverDue(ctx) && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.outboxKick:
		}
	}
}

// deliverDue delivers one batch of due receipts; true if the batch was full.
func (e *Engine) deliverDue(ctx context.Context) bool {
	const batch = 32
	now := e.now()
	due, err := e.j.DueDeliveries(now, batch)
	if err == nil && len(due) < batch {
		// Retries set further ahead than the longest pause were set
		// before the clock went back: they are due too.
		var late []store.Delivery
		late, err = e.j.DeliveriesAfter(now.Add(e.cfg.HookRetry.Max), batch-len(due))
		due = append(due, late...)
	}
	if err != nil {
		e.log.Error("cannot read the receipt outbox", "err", err)
		return false
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return false
		}
		e.deliver(ctx, d)
	}
	return len(due) == batch
}

func (e *Engine) deliver(ctx context.Context, d store.Delivery) {
	h, ok := e.hooks[d.Hook]
	if !ok {
		e.log.Warn("dropping a receipt for a hook that is no longer configured", "hook", d.Hook, "payment", d.PaymentID, "state", d.State)
		e.j.DeliveryDone(d.ID)
		return
	}
	p, err := e.j.Get(d.PaymentID)
	if errors.Is(err, store.ErrNotFound) {
		e.j.DeliveryDone(d.ID) // pruned
		return
	}
	if err != nil {
		return
	}
	rc := hooks.Receipt{DeliveryID: d.ID, Hook: d.Hook, State: d.State, PaymentID: d.PaymentID, RefundID: d.RefundID, Sandbox: e.cfg.Sandbox}
	v := e.view(p, nil)
	// The receipt is for the state the delivery was made for, even if the
	// payment has moved on since (e.g. approved, then reversed).
	rc.Payment = v
	if d.RefundID != "" {
		r, err := e.j.GetRefund(d.RefundID)
		if err != nil {
			e.j.DeliveryDone(d.ID)
			return
		}
		rc.Refund = refundView(r)
	}
	err = h.Deliver(ctx, rc)
	if err == nil || ctx.Err() == nil {
		e.obs.HookDelivery(d.Hook, err == nil)
	}
	if err == nil {
		if err := e.j.DeliveryDone(d.ID); err != nil {
			e.log.Error("receipt delivered but the outbox could not be updated; it will be delivered again", "hook", d.Hook, "delivery", d.ID, "err", err)
		}
		e.setHookState(d.Hook, "ok")
		return
	}
	if ctx.Err() != nil {
		return // shutting down: the delivery stays due
	}
	next := e.now().Add(e.cfg.HookRetry.Delay(d.Attempts + 1))
	msg := err.Error()
	if ferr := e.j.DeliveryFailed(d.ID, next, msg); ferr != nil {
		e.log.Error("cannot reschedule a failed receipt", "delivery", d.ID, "err", ferr)
	}
	e.log.Warn("receipt hook failed; will retry", "hook", d.Hook, "payment", d.PaymentID, "state", d.State,
		"attempts", d.Attempts+1, "next_try", next, "err", msg)
	e.publish("hook", HookEvent{Hook: d.Hook, PaymentID: d.PaymentID, RefundID: d.RefundID, State: d.State,
		Attempts: d.Attempts + 1, Error: msg, NextTry: next})
	e.setHookState(d.Hook, msg)
}

func (e *Engine) setHookState(name, state string) {
	e.healthMu.Lock()
	defer e.healthMu.Unlock()
	e.hookState[name] = state
}

// Health reports unfinished payments by state, each hook's last result and
// anything an administrator must act on.
func (e *Engine) Health() Health {
	h := Health{OK: true, Sandbox: e.cfg.Sandbox, Pending: map[string]int{}}
	counts, err := e.j.CountPending()
	if err != nil {
		h.OK = false
		h.Problems = append(h.Problems, fmt.Sprintf("the journal %s cannot be read: %v", e.j.Path(), err))
	}
	for s, n := range counts {
		h.Pending[string(s)] = n
	}
	if err := e.j.Suspect(); err != nil {
		h.OK = false
		h.Problems = append(h.Problems, err.Error())
	}
	e.healthMu.Lock()
	h.Hooks = maps.Clone(e.hookState)
	probs := make([]string, 0, len(e.problems))
	for _, p := range e.problems {
		probs = append(probs, p)
	}
	e.healthMu.Unlock()
	sort.Strings(probs)
	for name, s := range h.Hooks {
		if s != "ok" {
			probs = append(probs, fmt.Sprintf("receipt hook %s is failing: %s", name, s))
		}
	}
	h.EventsDropped = uint64(e.bus.Dropped())
	if n := e.bus.Dropped(); n > 0 {
		// Informational: a slow event reader lost events, nothing else did.
		h.Problems = append(h.Problems, fmt.Sprintf("%d events were dropped for slow event-stream readers", n))
	}
	if len(probs) > 0 {
		h.OK = false
		h.Problems = append(h.Problems, probs...)
	}
	return h
}
