package edge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// lanes is the in-memory picture of each lane: its unfinished payments
// (rebuilt from the journal on start) and a code held for scan-then-amount
// (memory only, by design: a held code is a credential not yet asked for).
type lanes struct {
	mu   sync.Mutex
	byID map[string]*lane
}

type lane struct {
	mu      sync.Mutex // serialises scans and checkouts on one lane
	pmu     sync.Mutex // guards pending alone, so tracking never waits for a scan's commit
	pending map[string]laneEntry
	held    *heldCode
}

type laneEntry struct {
	state   store.State
	created time.Time
	// released: the POS has cancelled the payment (its ReverseReason is
	// journaled), so it settles in the background and no longer holds the
	// lane. Never cleared: a cancel is never taken back.
	released bool
}

type heldCode struct {
	code   string
	class  providers.Classification
	device string
	until  time.Time
}

func newLanes() *lanes { return &lanes{byID: map[string]*lane{}} }

func (ls *lanes) get(id string) *lane {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, ok := ls.byID[id]
	if !ok {
		l = &lane{pending: map[string]laneEntry{}}
		ls.byID[id] = l
	}
	return l
}

// track records p's state on its lane (forgetting it once final).
func (ls *lanes) track(p store.Payment) {
	l := ls.get(p.TerminalID)
	l.setState(p.ID, p.State, p.CreatedAt, p.ReverseReason != "")
}

// release marks p, which the POS has just cancelled, as no longer holding
// its lane. Unlike track it never adds an entry: a payment already final
// (and forgotten) must not come back.
func (ls *lanes) release(p store.Payment) {
	l := ls.get(p.TerminalID)
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if en, ok := l.pending[p.ID]; ok {
		en.released = true
		l.pending[p.ID] = en
	}
}

func (l *lane) setState(id string, s store.State, created time.Time, released bool) {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	if s.Final() {
		delete(l.pending, id)
		return
	}
	// Sticky: a commit that read the payment before the cancel was
	// journaled may report it later than the cancel did.
	released = released || l.pending[id].released
	l.pending[id] = laneEntry{state: s, created: created, released: released}
}

// snapshot: the payments awaiting a scan, oldest first, and whether one is
// being charged (queued, in flight, unknown) on the lane and not yet
// cancelled by the POS.
func (l *lane) snapshot() (awaiting []string, busy bool) {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	type e struct {
		id string
		at time.Time
	}
	var list []e
	for id, en := range l.pending {
		switch {
		case en.state == store.AwaitingScan:
			list = append(list, e{id, en.created})
		case takesMoney(en.state) && !en.released:
			// Queued, in flight or unknown: a second code must not start a
			// second charge. One the POS cancelled (released) settles in
			// the background, its approval given back, and no scan can
			// reach it (scans only trigger awaiting payments).
			busy = true
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].at.Before(list[j].at) })
	for _, x := range list {
		awaiting = append(awaiting, x.id)
	}
	return awaiting, busy
}

// ScanEvent is the data of a "scan" event. Code is set only for codes that
// are not credentials (product EANs, e-invoice and citizen carriers), which
// the POS needs whole; anything that might be a payment code is masked.
type ScanEvent struct {
	Lane      string `json:"terminal_id"`
	Device    string `json:"device,omitempty"`
	Kind      string `json:"kind"` // as ScanResult.Kind
	Class     string `json:"class"`
	Code      string `json:"code,omitempty"`
	Masked    string `json:"masked_code"`
	PaymentID string `json:"payment_id,omitempty"`
	Message   string `json:"message,omitempty"`
	HeldUntil string `json:"held_until,omitempty"`
}

// plainClasses are codes that are no credential: passed to the POS whole.
var plainClasses = map[string]bool{providers.ClassProduct: true, providers.ClassEInvoice: true, providers.ClassCitizen: true}

// Lanes lists the configured lanes (terminal_ids), sorted; none when any
// lane is accepted.
func (e *Engine) Lanes() []string {
	out := make([]string, 0, len(e.laneSet))
	for l := range e.laneSet {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func (e *Engine) checkLane(id string) error {
	if err := CheckTerminalID(id); err != nil {
		return err
	}
	if len(e.laneSet) > 0 && !e.laneSet[id] {
		return Errorf(ErrUnknownTerminal, "terminal_id %q is not a configured lane: use one of the terminal_ids of the [[scanners]] tables, or add this lane to the configuration", id)
	}
	return nil
}

// maxTerminalID bounds a lane's terminal_id, like an order number's.
const maxTerminalID = 40

// CheckTerminalID says what is wrong with a terminal_id (a lane), whether
// or not lanes are configured: letters, digits, '-' and '_' only, at most
// 40 bytes. It is printed by the CLI, written to the log and the journal,
// and carried to wallets, so nothing that moves a cursor, breaks a line
// or names a path gets in. The configuration checks its lanes with it.
func CheckTerminalID(id string) error {
	switch {
	case id == "":
		return Errorf(ErrInvalidRequest, "terminal_id is empty: send the lane's terminal_id as configured in [[scanners]]")
	case len(id) > maxTerminalID:
		return Errorf(ErrInvalidRequest, "terminal_id is %d bytes long: keep it at most %d", len(id), maxTerminalID)
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' }) >= 0:
		return Errorf(ErrInvalidRequest, "terminal_id %s has characters other than letters, digits, '-' and '_': use the lane's id, e.g. AB123456", strconv.QuoteToASCII(id))
	}
	return nil
}

// Scan handles one scanned code on a lane: it triggers the payment waiting
// there, is held for a checkout to come (scan-then-amount), or is passed to
// the POS as an event when it is not a wallet's. With more than one
// checkout waiting on the lane it is "ambiguous" and not used.
func (e *Engine) Scan(ctx context.Context, s scanner.Scan) (ScanResult, error) {
	res, err := e.scan(ctx, s)
	if err == nil {
		e.obs.Scan(s.Lane, res.Kind)
	}
	return res, err
}

func (e *Engine) scan(ctx context.Context, s scanner.Scan) (ScanResult, error) {
	if err := e.checkLane(s.Lane); err != nil {
		return ScanResult{}, err
	}
	if s.Code == "" {
		return ScanResult{}, Errorf(ErrInvalidRequest, "the scan has no code: send the scanned text in code")
	}
	masked := mask.Code(s.Code)
	cls := e.cfg.Classifier.Classify(s.Code)
	ev := ScanEvent{Lane: s.Lane, Device: s.Device, Class: cls.Class, Masked: masked}
	res := ScanResult{Class: cls.Class, Masked: masked}
	if !cls.Payment {
		ev.Kind, res.Kind = "passthrough", "passthrough"
		if plainClasses[cls.Class] {
			ev.Code = s.Code
		} else if cls.Class != providers.ClassUnknown && cls.Class != providers.ClassAmbiguous {
			ev.Message = fmt.Sprintf("this looks like a %s code, which scanpay does not support", cls.Class)
		}
		e.publish("scan", ev)
		return res, nil
	}
	w, ok := e.wallet(cls.Wallet)
	if !ok {
		ev.Kind, res.Kind = "passthrough", "passthrough"
		ev.Message = fmt.Sprintf("a %s code, but %s is not enabled here", cls.Wallet, cls.Wallet)
		e.publish("scan", ev)
		return res, Errorf(ErrWalletNotEnabled, "the code is a %s payment code but %s is not enabled: ask the customer for another wallet, or configure [providers.%s]", cls.Wallet, cls.Wallet, cls.Wallet)
	}
	l := e.lanes.get(s.Lane)
	l.mu.Lock()
	defer l.mu.Unlock()
	awaiting, busy := l.snapshot()
	if busy {
		ev.Kind, res.Kind = "ignored", "ignored"
		ev.Message = "a payment is already being charged on this lane; the scan was not used"
		e.publish("scan", ev)
		return res, nil
	}
	waiting, err := e.stillAwaiting(awaiting)
	if err != nil {
		return ScanResult{}, journalErr(err)
	}
	if len(waiting) > 1 {
		// A lane serves one customer at a time: with an abandoned checkout
		// beside the new one, any pick could charge this customer another
		// order's amount. The POS must cancel the stale one.
		ev.Kind, res.Kind = "ambiguous", "ambiguous"
		ev.Message = ambiguousMessage(s.Lane, waiting)
		e.publish("scan", ev)
		e.log.Warn("scan not used: more than one checkout awaits a scan on the lane", "lane", s.Lane, "checkouts", len(waiting), "code", masked)
		return res, nil
	}
	if len(waiting) == 1 {
		id := waiting[0].ID
		p, err := e.attachCode(id, s.Code, cls, w)
		var se *store.StateError
		switch {
		case err == nil:
			ev.Kind, res.Kind, ev.PaymentID, res.PaymentID = "payment", "payment", p.ID, p.ID
			e.publish("scan", ev)
			e.sched.kick(paymentKey(p.ID))
			return res, nil
		case ErrorCode(err) == ErrConflict, errors.As(err, &se):
			// Cancelled or timed out meanwhile: hold the code as if
			// nothing waited.
		case ErrorCode(err) == ErrInvalidRequest:
			// The wallet cannot take this checkout: say so, do not hold the code.
			ev.Kind, res.Kind, ev.PaymentID, res.PaymentID = "passthrough", "passthrough", id, id
			ev.Message = err.Error()
			e.publish("scan", ev)
			return res, err
		default:
			return ScanResult{}, journalErr(err)
		}
	}
	until := e.now().Add(e.cfg.ScanHold)
	l.held = &heldCode{code: s.Code, class: cls, device: s.Device, until: until}
	ev.Kind, res.Kind = "held", "held"
	ev.HeldUntil = until.UTC().Format(time.RFC3339)
	e.publish("scan", ev)
	return res, nil
}

// stillAwaiting reads the lane's payments awaiting a scan (ids oldest
// first) from the journal: those that truly still wait, and in time. One
// whose scan time is over is cancelled on the way, as attachCode would.
func (e *Engine) stillAwaiting(ids []string) ([]store.Payment, error) {
	var out []store.Payment
	now := e.now()
	for _, id := range ids {
		p, err := e.j.Get(id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		case p.State != store.AwaitingScan:
			continue
		case passed(p.ScanBy, now, e.cfg.ScanTimeout):
			e.move(p.ID, []store.State{store.AwaitingScan}, store.Cancelled,
				fmt.Sprintf("no payment code was scanned within %s", e.cfg.ScanTimeout), nil)
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

func ambiguousMessage(lane string, waiting []store.Payment) string {
	list := make([]string, len(waiting))
	for i, p := range waiting {
		list[i] = fmt.Sprintf("payment %s (order %s, %d TWD)", p.ID, p.OrderNumber, p.Amount)
	}
	return fmt.Sprintf("%d checkouts are waiting for a scan on lane %s: %s; a lane serves one customer at a time, so the scan was not used and nothing was charged: cancel the stale checkout, then scan again",
		len(waiting), lane, strings.Join(list, ", "))
}

// attachCode moves an awaiting payment to queued with its code, its code
// lifetime and its wallet identifiers, all in one commit.
func (e *Engine) attachCode(id, code string, cls providers.Classification, w WalletSetup) (store.Payment, error) {
	p, err := e.j.Get(id)
	if err != nil {
		return p, journalErr(err)
	}
	now := e.now()
	if p.State != store.AwaitingScan {
		return p, Errorf(ErrConflict, "payment %s is %s", id, p.State)
	}
	if passed(p.ScanBy, now, e.cfg.ScanTimeout) {
		e.move(p.ID, []store.State{store.AwaitingScan}, store.Cancelled,
			fmt.Sprintf("no payment code was scanned within %s", e.cfg.ScanTimeout), nil)
		return p, Errorf(ErrConflict, "payment %s waited too long for a scan", id)
	}
	req := payRequest(p)
	req.Code = code
	ref, err := w.Wallet.NewRef(req, e.wall())
	if err != nil {
		return p, Errorf(ErrInvalidRequest, "wallet %s cannot take this payment: %v", cls.Wallet, err)
	}
	return e.move(id, []store.State{store.AwaitingScan}, store.Queued, "code scanned: "+cls.Wallet, func(q *store.Payment) error {
		withCode(q, code, cls.Wallet, ref, now.Add(w.Limits.CodeTTL))
		return nil
	})
}

func withCode(q *store.Payment, code, wallet string, ref providers.Ref, expires time.Time) {
	q.Wallet = wallet
	q.FullCode = code
	q.MaskedCode = mask.Code(code)
	q.WalletRef = map[string]string(ref)
	q.CodeExpires = expires
	q.NextTry = time.Time{}
}

// takeHeld removes and returns a lane's held code if it is still fresh.
func (l *lane) takeHeld(now time.Time) *heldCode {
	h := l.held
	l.held = nil
	if h == nil || !now.Before(h.until) {
		return nil
	}
	return h
}

// Device publishes a scanner's device event and looks at lane health
// again.
func (e *Engine) Device(ev scanner.DeviceEvent) {
	e.laneHealth.deviceChanged(ev)
	e.publish("device", ev)
}
