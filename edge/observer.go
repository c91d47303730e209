package edge

import (
	"time"

	"github.com/scanpay/scanpay/store"
)

// Observer is told what the engine did, once it is journaled: the source
// of the business metrics (cmd/scanpay wires a Prometheus one; this
// package knows no metrics library). Calls are made on the engine's own
// goroutines: they must be quick and never block.
type Observer interface {
	// PaymentFinal: a payment reached its first final state in this
	// run (approved, declined, cancelled, expired, voided or reversed);
	// a later move (an approval reversed or refunded) is not another
	// payment. wallet is "" when no code was ever scanned.
	PaymentFinal(wallet string, outcome store.State, amount int64)
	// WalletCall: one request to a wallet took d. call is one of the
	// Call* names.
	WalletCall(wallet, call string, d time.Duration)
	// Scan: a scan on lane was taken as kind (ScanResult.Kind).
	Scan(lane, kind string)
	// HookDelivery: one receipt delivery to hook ended, ok or failed.
	HookDelivery(hook string, ok bool)
}

// The wallet calls an Observer is told of.
const (
	CallPay     = "pay"
	CallResolve = "resolve"
	CallVoid    = "void"
	CallRefund  = "refund"
	CallHealth  = "health"
)

type nopObserver struct{}

func (nopObserver) PaymentFinal(string, store.State, int64)  {}
func (nopObserver) WalletCall(string, string, time.Duration) {}
func (nopObserver) Scan(string, string)                      {}
func (nopObserver) HookDelivery(string, bool)                {}

// firstFinal reports whether p's last change is the first final state in
// its history: the moment it is counted.
func firstFinal(p store.Payment) bool {
	n := len(p.History)
	if n == 0 || !p.State.Final() {
		return false
	}
	for _, c := range p.History[:n-1] {
		if c.State.Final() {
			return false
		}
	}
	return true
}

// timed runs a wallet call and tells the observer how long it took.
func (e *Engine) timed(wallet, call string, fn func()) {
	start := time.Now()
	fn()
	e.obs.WalletCall(wallet, call, time.Since(start))
}
