package easywallet_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet"
)

// openAt opens the simulator's configuration at baseURL with decline_codes
// as given (nil: the production default).
func (f *fixture) openAt(t *testing.T, baseURL string, declineCodes []string) *easywallet.Wallet {
	t.Helper()
	cfg := f.sim.Config().(*easywallet.Config)
	cfg.BaseURL, cfg.DeclineCodes = baseURL, declineCodes
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return w.(*easywallet.Wallet)
}

// A first answer with a code nobody listed as a decline (here a
// gateway-side timeout code, sent after the wallet charged) is Unknown,
// never a decline that would ask for a second scan; the resend tells the
// truth: paid, once.
func TestAnUnlistedCodeIsUnknownAndResolvedByAResend(t *testing.T) {
	f := newFixture(t)
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != easywallet.PayPath || !first.CompareAndSwap(false, true) {
			f.sim.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		f.sim.Handler().ServeHTTP(rec, r) // the wallet charges
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"returnCode":"50400","returnMsg":"gateway timeout"}`))
	}))
	t.Cleanup(srv.Close)
	w := f.openAt(t, srv.URL, nil)
	req := f.payment(t, 110)
	out := w.Pay(context.Background(), req)
	if out.Kind != providers.Unknown || out.Code != "50400" || out.RetryScan || !bytes.Contains([]byte(out.Message), []byte("decline_codes")) {
		t.Fatalf("pay: %+v, want unknown naming decline_codes", out)
	}
	res := w.Resolve(context.Background(), req)
	if res.Kind != providers.Approved || !res.Duplicate {
		t.Fatalf("resolve: %+v, want approved by the resend", res)
	}
	if c := f.onlyCharge(t, req); c.Requests != 2 {
		t.Fatalf("charge %+v: want one charge seen twice", c)
	}
}

// With the production default (no decline_codes), a real refusal costs one
// resend: Unknown first, then declined on the wallet's stated word; with
// the code listed it is declined at once.
func TestDeclineCodesAreConfigurable(t *testing.T) {
	f := newFixture(t)
	w := f.openAt(t, f.sim.URL(), nil)
	req := f.payment(t, 928) // the simulators' insufficient balance
	if out := w.Pay(context.Background(), req); out.Kind != providers.Unknown {
		t.Fatalf("default list: %+v, want unknown", out)
	}
	if res := w.Resolve(context.Background(), req); res.Kind != providers.Declined || !res.RetryScan {
		t.Fatalf("resolve: %+v, want declined", res)
	}
	listed := f.openAt(t, f.sim.URL(), []string{"10001"})
	if out := listed.Pay(context.Background(), f.payment(t, 928)); out.Kind != providers.Declined {
		t.Fatalf("listed: %+v, want declined", out)
	}
	if len(f.sim.Ledger()) != 0 {
		t.Fatal("a refusal charged")
	}
}
