package wallettest

import (
	"sync"
	"time"
)

// FaultKind is what goes wrong with one request.
type FaultKind int

const (
	// None: the request is served normally.
	None FaultKind = iota
	// Delay: wait Fault.Delay, then serve normally.
	Delay
	// Hang: hold the request until the client goes away or the server
	// closes; nothing is charged and no answer is written.
	Hang
	// DropBeforeCharge: close the TCP connection without answering and
	// without charging.
	DropBeforeCharge
	// DropAfterCharge: charge, then close the TCP connection without
	// answering: the money moved, the answer is lost.
	DropAfterCharge
	// ServerError: HTTP 500, nothing charged.
	ServerError
	// Malformed: charge, then answer 200 with a body that is not JSON.
	Malformed
	// Truncated: charge, then answer 200 with the first half of the JSON.
	Truncated
	// Decline: the wallet refuses with Fault.Code (or the simulator's
	// insufficient-balance code when empty); nothing charged.
	Decline
	// Unauthorized: HTTP 401, nothing charged, whatever the token. Queued
	// once, it is a token the gateway dropped (a fresh login gets past
	// it); set always, a 401 that persists after a fresh login (an
	// account not allowed the call). JKOPay has no login: its simulator
	// answers the 401 as any proxy on the way would.
	Unauthorized
)

var faultNames = [...]string{"none", "delay", "hang", "drop_before_charge", "drop_after_charge", "server_error", "malformed", "truncated", "decline", "unauthorized"}

func (k FaultKind) String() string {
	if k >= 0 && int(k) < len(faultNames) {
		return faultNames[k]
	}
	return "fault(?)"
}

// Fault is one injected failure.
type Fault struct {
	Kind  FaultKind
	Delay time.Duration // for Delay
	Code  string        // the wallet's decline code, for Decline
}

// Calls of the wallets' APIs, the names Faults are keyed by.
const (
	CallAny     = ""
	CallPay     = "pay"
	CallCancel  = "cancel"
	CallRefund  = "refund"
	CallSearch  = "search"
	CallVoid    = "void"
	CallInquiry = "inquiry"
	CallLogin   = "login"
)

// Faults hands out the fault for each next request. Queued faults are used
// once, in order, the call's own queue before the any-call queue; when both
// are empty the "always" fault of the call (then of any call) applies. Safe
// for concurrent use; the zero value is ready.
type Faults struct {
	mu     sync.Mutex
	queue  map[string][]Fault
	always map[string]Fault
}

// Inject queues faults for the next requests of call ("" = any call).
func (f *Faults) Inject(call string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queue == nil {
		f.queue = map[string][]Fault{}
	}
	f.queue[call] = append(f.queue[call], faults...)
}

// SetAlways makes every request of call ("" = any call) meet fault once the
// queues are empty. Fault{} (None) removes it.
func (f *Faults) SetAlways(call string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.always == nil {
		f.always = map[string]Fault{}
	}
	if fault.Kind == None {
		delete(f.always, call)
		return
	}
	f.always[call] = fault
}

// Clear drops every queued and always fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue, f.always = nil, nil
}

// Next takes the fault for the next request of call.
func (f *Faults) Next(call string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range []string{call, CallAny} {
		if q := f.queue[c]; len(q) > 0 {
			f.queue[c] = q[1:]
			return q[0]
		}
	}
	for _, c := range []string{call, CallAny} {
		if a, ok := f.always[c]; ok {
			return a
		}
	}
	return Fault{}
}
