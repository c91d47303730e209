package jkopay_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
)

func openWallet(t *testing.T, cfg *jkopay.Config, env providers.Env) *jkopay.Wallet {
	t.Helper()
	if err := cfg.Provision(env); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(env)
	if err != nil {
		t.Fatal(err)
	}
	return w.(*jkopay.Wallet)
}

// behindPaymentProxy opens a wallet whose Payment calls are served by
// payment and every other call by the rig's simulator.
func (r *rig) behindPaymentProxy(t *testing.T, payment http.HandlerFunc) *jkopay.Wallet {
	t.Helper()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if path.Base(req.URL.Path) != jkopay.CallPayment {
			r.sim.Handler().ServeHTTP(w, req)
			return
		}
		payment(w, req)
	}))
	t.Cleanup(proxy.Close)
	cfg := r.sim.JKOConfig()
	cfg.BaseURL = proxy.URL + "/" + jkopaytest.SystemName
	return openWallet(t, cfg, providers.Env{Logger: slog.New(slog.DiscardHandler)})
}

// clockMoves returns once the wall clock has moved on. Windows' clock (and
// Wine's) ticks in milliseconds, so a Resolve right after a Payment can
// read the very time the Payment did: inside even a 1 ns not-found
// window, which the simulator uses for "no window".
func clockMoves() {
	for t0 := time.Now(); !time.Now().After(t0); {
		time.Sleep(100 * time.Microsecond)
	}
}
