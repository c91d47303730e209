package wallettest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/scanpay/scanpay/providers"
)

// Simulator is what tests, the engine's crash harness and SANDBOX mode use
// of every wallet's simulator.
type Simulator interface {
	Name() string
	// URL is the base URL of the simulator's own server.
	URL() string
	// Handler serves the wallet's API on a listener of the caller's
	// choosing (a simulator in a separate process).
	Handler() http.Handler
	// IssueCode draws a fresh payment code in the wallet's shape.
	IssueCode() string
	Inject(call string, f ...Fault)
	Ledger() []Charge
	// Config is a ready, provisioned config (base_url, credentials)
	// pointing at this simulator.
	Config() providers.Config
	Close()
}

// Refusal is a decline a simulator can be asked for, independent of any
// wallet's codes.
type Refusal int

const (
	NoRefusal Refusal = iota
	RefuseInsufficient
	RefuseCodeExpired
	RefuseCodeInvalid
	RefuseLimit
	RefuseSuspended
)

// MagicDecline is the one SANDBOX decline scheme, shared by all
// simulators: the amounts listed in the package documentation.
func MagicDecline(amount int64) Refusal {
	switch amount {
	case 928:
		return RefuseInsufficient
	case 906:
		return RefuseCodeExpired
	case 927:
		return RefuseCodeInvalid
	case 931:
		return RefuseLimit
	case 911:
		return RefuseSuspended
	}
	return NoRefusal
}

// Kit is the common part of a simulator: faults, ledger, code book, the
// server, and the plumbing that acts a fault out on a real connection.
type Kit struct {
	Faults *Faults
	Ledger *Ledger
	Codes  *Codes
	Opts   Options

	mu      sync.Mutex
	srv     *httptest.Server
	closing chan struct{}
	once    sync.Once
}

// NewKit bundles the parts; opts get their defaults.
func NewKit(ledger *Ledger, codes *Codes, opts Options) *Kit {
	return &Kit{Faults: &Faults{}, Ledger: ledger, Codes: codes, Opts: opts.withDefaults(), closing: make(chan struct{})}
}

// Serve starts an httptest server for h on a loopback port.
func (k *Kit) Serve(h http.Handler) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.srv = httptest.NewServer(h)
}

// URL is the base URL of the server started by Serve, or "".
func (k *Kit) URL() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.srv == nil {
		return ""
	}
	return k.srv.URL
}

// Log is the simulator's logger.
func (k *Kit) Log() *slog.Logger { return k.Opts.Logger }

// Now is the simulator's clock.
func (k *Kit) Now() time.Time { return k.Opts.Now() }

// Close releases hanging requests, then stops the server.
func (k *Kit) Close() {
	k.once.Do(func() { close(k.closing) })
	k.mu.Lock()
	srv := k.srv
	k.mu.Unlock()
	if srv != nil {
		srv.CloseClientConnections()
		srv.Close()
	}
}

// Before acts out the part of f that happens before the wallet's logic:
// Delay waits, Hang holds, DropBeforeCharge, ServerError and Unauthorized
// answer. It
// reports whether the request is finished (the handler returns).
func (k *Kit) Before(w http.ResponseWriter, r *http.Request, f Fault) (done bool) {
	switch f.Kind {
	case Delay:
		if !k.wait(r.Context(), f.Delay) {
			Drop(w)
			return true
		}
	case Hang:
		k.wait(r.Context(), -1)
		Drop(w)
		return true
	case DropBeforeCharge:
		Drop(w)
		return true
	case ServerError:
		http.Error(w, "simulated internal server error", http.StatusInternalServerError)
		return true
	case Unauthorized:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"simulated 401: not authorised for this call"}`))
		return true
	}
	return false
}

// Answer writes the wallet's answer as f says, after the charge:
// DropAfterCharge closes the connection, Malformed answers garbage,
// Truncated the first half of body; anything else writes body whole.
func (k *Kit) Answer(w http.ResponseWriter, f Fault, status int, body []byte) {
	switch f.Kind {
	case DropAfterCharge:
		Drop(w)
		return
	case Malformed:
		body = []byte("<html><body>502 upstream sent garbage</body></html>")
	case Truncated:
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// wait sleeps d (d < 0: forever) unless the client leaves or the simulator
// closes; it reports whether the full time passed.
func (k *Kit) wait(ctx context.Context, d time.Duration) bool {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-ctx.Done():
	case <-k.closing:
	}
	return false
}

// Drop closes the client's TCP connection without an answer, as a network
// failure or a crashed server would.
func Drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 or a recorder: the closest thing is aborting the handler.
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// AnswerLate serves every request with h, but holds the answer of one
// that slow picks until meanwhile has run: the wallet read the request
// and answered at once, and the answer was slow to arrive (meanwhile
// advances a test clock). Nothing about the answer changes.
func AnswerLate(h http.Handler, slow func(*http.Request) bool, meanwhile func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slow(r) {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		meanwhile()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}
