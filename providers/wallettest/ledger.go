package wallettest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
)

// Charge is one payment as the simulated wallet's books see it.
type Charge struct {
	Wallet        string
	Key           string // the wallet's merchant order number (MerchantTradeNo, merchantOrderNo, order_number)
	MaskedCode    string
	Amount        int64
	Refunded      int64
	Voided        bool
	Requests      int // pay requests seen for this key, the charging one included
	TransactionID string
	At            time.Time
}

// Refund is one refund in the ledger.
type Refund struct {
	Key           string // the refund's own idempotency key
	ChargeKey     string
	Amount        int64
	TransactionID string
	At            time.Time
}

// Errors of the ledger, for simulators to map onto their wallet's codes.
var (
	ErrNotFound     = errors.New("no such charge")
	ErrVoided       = errors.New("charge was voided")
	ErrRefunded     = errors.New("charge has refunds")
	ErrExceeds      = errors.New("refund exceeds what remains of the charge")
	ErrBadAmount    = errors.New("amount must be above zero")
	ErrKeyReused    = errors.New("refund key already used for another charge or amount")
	ErrDuplicateKey = errors.New("key already used")
)

// Ledger is a simulated wallet's books: each key is charged at most once,
// whatever happens to the answers. Safe for concurrent use.
type Ledger struct {
	wallet string
	now    func() time.Time
	newID  func(n int, at time.Time) string

	mu      sync.Mutex
	seq     int
	order   []string
	rorder  []string
	charges map[string]*Charge
	refunds map[string]*Refund
}

// NewLedger makes the books of one wallet. newID makes the wallet's
// transaction id from a sequence number (nil: "<wallet>-<n>"); now nil means
// time.Now.
func NewLedger(wallet string, now func() time.Time, newID func(n int, at time.Time) string) *Ledger {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = func(n int, _ time.Time) string { return fmt.Sprintf("%s-%d", wallet, n) }
	}
	return &Ledger{wallet: wallet, now: now, newID: newID, charges: map[string]*Charge{}, refunds: map[string]*Refund{}}
}

// Charge charges amount to code under key, once. A repeat (same key) charges
// nothing and answers the first charge with repeat true; every call counts
// in Requests.
func (l *Ledger) Charge(key, code string, amount int64) (c Charge, repeat bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.charges[key]; ok {
		ch.Requests++
		return *ch, true
	}
	l.seq++
	at := l.now()
	ch := &Charge{Wallet: l.wallet, Key: key, MaskedCode: mask.Code(code), Amount: amount, Requests: 1, TransactionID: l.newID(l.seq, at), At: at}
	l.charges[key] = ch
	l.order = append(l.order, key)
	return *ch, false
}

// Lookup finds the charge of key.
func (l *Ledger) Lookup(key string) (Charge, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.charges[key]
	if !ok {
		return Charge{}, false
	}
	return *ch, true
}

// ByTransaction finds a charge by the wallet's transaction id.
func (l *Ledger) ByTransaction(id string) (Charge, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ch := range l.charges {
		if ch.TransactionID == id {
			return *ch, true
		}
	}
	return Charge{}, false
}

// Void takes back the whole charge of key. Voiding twice is fine; a charge
// with refunds cannot be voided.
func (l *Ledger) Void(key string) (Charge, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.charges[key]
	switch {
	case !ok:
		return Charge{}, ErrNotFound
	case ch.Refunded > 0:
		return *ch, ErrRefunded
	}
	ch.Voided = true
	return *ch, nil
}

// Refund gives back amount of the charge of chargeKey under the refund's
// own key. A repeat of the same refund key and amount answers the first
// refund with repeat true.
func (l *Ledger) Refund(chargeKey, refundKey string, amount int64) (r Refund, repeat bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if prev, ok := l.refunds[refundKey]; ok {
		if prev.ChargeKey != chargeKey || prev.Amount != amount {
			return Refund{}, false, ErrKeyReused
		}
		return *prev, true, nil
	}
	if _, ok := l.charges[refundKey]; ok {
		return Refund{}, false, ErrDuplicateKey
	}
	ch, ok := l.charges[chargeKey]
	switch {
	case !ok:
		return Refund{}, false, ErrNotFound
	case ch.Voided:
		return Refund{}, false, ErrVoided
	case amount <= 0:
		return Refund{}, false, ErrBadAmount
	case ch.Refunded+amount > ch.Amount:
		return Refund{}, false, ErrExceeds
	}
	l.seq++
	at := l.now()
	ch.Refunded += amount
	rf := &Refund{Key: refundKey, ChargeKey: chargeKey, Amount: amount, TransactionID: l.newID(l.seq, at), At: at}
	l.refunds[refundKey] = rf
	l.rorder = append(l.rorder, refundKey)
	return *rf, false, nil
}

// LookupRefund finds a refund by its own key.
func (l *Ledger) LookupRefund(refundKey string) (Refund, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.refunds[refundKey]
	if !ok {
		return Refund{}, false
	}
	return *r, true
}

// Charges lists every charge in the order they were made.
func (l *Ledger) Charges() []Charge {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Charge, 0, len(l.order))
	for _, k := range l.order {
		out = append(out, *l.charges[k])
	}
	return out
}

// ChargesForCode lists the charges made with one (masked) code.
func (l *Ledger) ChargesForCode(masked string) []Charge {
	var out []Charge
	for _, c := range l.Charges() {
		if c.MaskedCode == masked {
			out = append(out, c)
		}
	}
	return out
}

// Refunds lists the refunds of the charge of chargeKey.
func (l *Ledger) Refunds(chargeKey string) []Refund {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Refund
	for _, k := range l.rorder {
		if r := l.refunds[k]; r.ChargeKey == chargeKey {
			out = append(out, *r)
		}
	}
	return out
}
