package loadgen

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// simulators are the wallets the bench can pay with: the SANDBOX ones.
var simulators = map[string]func() wallettest.Simulator{
	"jkopay":     func() wallettest.Simulator { return jkopaytest.New(simOptions()) },
	"easywallet": func() wallettest.Simulator { return easywallettest.New(simOptions()) },
	"ipass":      func() wallettest.Simulator { return ipasstest.New(simOptions()) },
}

func simOptions() wallettest.Options {
	return wallettest.Options{AcceptUnissued: true, CodeTTL: 10 * time.Minute, Logger: quiet}
}

// probe is what the wallet saw of one payment's code.
type probe struct {
	first    time.Time     // the first request carrying the code arrived
	wallet   time.Duration // time spent inside the simulator on those requests
	requests int
}

// wire issues the codes and, when it serves the simulator itself
// (measured), times every request that carries an in-flight code.
type wire struct {
	sim      wallettest.Simulator
	measured bool

	mu       sync.Mutex
	inflight map[string]*probe
}

func newWire(sim wallettest.Simulator, measured bool) *wire {
	return &wire{sim: sim, measured: measured, inflight: map[string]*probe{}}
}

// issue draws a fresh code and starts watching for it.
func (w *wire) issue() (string, *probe) {
	code := w.sim.IssueCode()
	if !w.measured {
		return code, nil
	}
	p := &probe{}
	w.mu.Lock()
	w.inflight[code] = p
	w.mu.Unlock()
	return code, p
}

func (w *wire) done(code string) {
	w.mu.Lock()
	delete(w.inflight, code)
	w.mu.Unlock()
}

// handler serves the simulator, timing each request from its arrival (the
// headers read) to its answer written, and charging that time to the
// payment whose code the body carries.
func (w *wire) handler() http.Handler {
	sim := w.sim.Handler()
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		sim.ServeHTTP(rw, r)
		spent := time.Since(arrived)
		w.mu.Lock()
		defer w.mu.Unlock()
		for code, p := range w.inflight {
			if bytes.Contains(body, []byte(code)) {
				if p.first.IsZero() {
					p.first = arrived
				}
				p.wallet += spent
				p.requests++
				return
			}
		}
	})
}
