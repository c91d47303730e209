package gatewaytest

import (
	"bytes"
	"io"
	"net/http"

	"github.com/scanpay/scanpay/providers/wallettest"
)

// ReadBody reads r's body whole, first thing, so that a handler that then
// hangs notices the client leaving, and puts it back for decoding. On
// failure it has answered already.
func ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading the body", http.StatusBadRequest)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return raw, true
}

// Start opens every wallet call of a simulator behind the gateway: the
// body, the bearer token, then the next fault of call acted out by kit.
// ok false means the request is answered already.
func (a *Auth) Start(kit *wallettest.Kit, w http.ResponseWriter, r *http.Request, call string) (raw []byte, f wallettest.Fault, ok bool) {
	raw, ok = ReadBody(w, r)
	if !ok {
		return nil, f, false
	}
	if !a.Check(w, r) {
		a.refused(raw)
		return nil, f, false
	}
	f = kit.Faults.Next(call)
	if f.Kind == wallettest.Unauthorized {
		a.refused(raw)
	}
	if kit.Before(w, r, f) {
		return nil, f, false
	}
	return raw, f, true
}

// OnRefused registers fn to see the body of every request answered 401,
// so that a simulator can hold its resend to what the wallet's spec asks
// of any request (a fresh iv, a unique req_id) and refuse the same bytes
// sent again.
func (a *Auth) OnRefused(fn func(raw []byte)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onRefused = fn
}

func (a *Auth) refused(raw []byte) {
	a.mu.Lock()
	fn := a.onRefused
	a.mu.Unlock()
	if fn != nil {
		fn(raw)
	}
}

// LoginHandler is the login endpoint with kit's faults for the call
// "login" acted out first.
func (a *Auth) LoginHandler(kit *wallettest.Kit) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := ReadBody(w, r); !ok {
			return
		}
		if kit.Before(w, r, kit.Faults.Next(wallettest.CallLogin)) {
			return
		}
		a.ServeLogin(w, r)
	}
}
