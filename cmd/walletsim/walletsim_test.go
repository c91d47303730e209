package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/providers"
	_ "github.com/scanpay/scanpay/providers/easywallet"
	_ "github.com/scanpay/scanpay/providers/ipass"
	_ "github.com/scanpay/scanpay/providers/jkopay"
	_ "github.com/scanpay/scanpay/providers/linepay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

func startWalletsim(t *testing.T, args ...string) State {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan State, 1)
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- run(ctx, args, &out, io.Discard, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("walletsim: %v", err)
		}
	})
	select {
	case st := <-ready:
		return st
	case err := <-done:
		t.Fatalf("walletsim did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("walletsim did not start")
	}
	return State{}
}

func control(t *testing.T, method, url, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
	}
	return res.StatusCode
}

// openWallets turns providers.toml into real wallets through the registry,
// as cmd/scanpay does with a config file.
func openWallets(t *testing.T, providersTOML string) map[string]providers.Wallet {
	t.Helper()
	var file struct{ Providers map[string]toml.Primitive }
	md, err := toml.Decode(providersTOML, &file)
	if err != nil {
		t.Fatal(err)
	}
	wallets := map[string]providers.Wallet{}
	for name, prim := range file.Providers {
		d, ok := providers.Lookup(name)
		if !ok {
			t.Fatalf("no driver %q", name)
		}
		cfg := d.NewConfig()
		if err := md.PrimitiveDecode(prim, cfg); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := cfg.Provision(providers.Env{}); err != nil {
			t.Fatalf("%s: provision: %v", name, err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: validate: %v", name, err)
		}
		w, err := cfg.Open(providers.Env{})
		if err != nil {
			t.Fatalf("%s: open: %v", name, err)
		}
		wallets[name] = w
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		t.Errorf("keys no driver knows: %v", undecoded)
	}
	return wallets
}

func TestWalletsimEndToEnd(t *testing.T) {
	dir := t.TempDir()
	st := startWalletsim(t, "-state-dir", dir, "-code-ttl", "30s")
	b, err := os.ReadFile(filepath.Join(dir, "walletsim.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file State
	if err := json.Unmarshal(b, &file); err != nil || file.Control != st.Control {
		t.Fatalf("walletsim.json: %v %s", err, b)
	}
	wallets := openWallets(t, file.ProvidersTOML)
	if len(wallets) != len(simulators) {
		t.Fatalf("%d wallets from providers.toml, want %d", len(wallets), len(simulators))
	}
	for name, w := range wallets {
		t.Run(name, func(t *testing.T) {
			base := st.Control + "/v1/wallets/" + name
			var issued struct{ Code string }
			if control(t, "POST", base+"/codes", "", &issued) != 200 || issued.Code == "" {
				t.Fatal("no code issued")
			}
			req := providers.PayRequest{PaymentID: "p1", TerminalID: "AB123456", OrderNumber: "o-" + name,
				Amount: 120, Code: issued.Code, CreatedAt: time.Now(), Attempt: 1}
			ref, err := w.NewRef(req, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			req.Ref = ref

			// A fault queued through the control API reaches the wallet's
			// client, and the ledger read through it says what was charged.
			if control(t, "POST", base+"/faults", `{"call":"pay","faults":[{"kind":"server_error"}]}`, nil) != 200 {
				t.Fatal("fault not queued")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if out := w.Pay(ctx, req); out.Kind != providers.Unknown {
				t.Fatalf("pay with a server error: %v", out.Kind)
			}
			var ledger struct{ Charges []wallettest.Charge }
			control(t, "GET", base+"/ledger", "", &ledger)
			if len(ledger.Charges) != 0 {
				t.Fatalf("a 500 charged: %+v", ledger.Charges)
			}
			req.Attempt = 2
			if out := w.Pay(ctx, req); out.Kind != providers.Approved {
				t.Fatalf("pay: %v %s", out.Kind, out.Message)
			}
			control(t, "GET", base+"/ledger", "", &ledger)
			if len(ledger.Charges) != 1 || ledger.Charges[0].Amount != 120 || strings.Contains(ledger.Charges[0].MaskedCode, issued.Code) {
				t.Fatalf("ledger: %+v", ledger.Charges)
			}
		})
	}
}

func TestControlRefusals(t *testing.T) {
	st := startWalletsim(t)
	tests := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/v1/wallets/pxpay/codes", "", 404}, // a wallet scanpay knows but does not simulate
		{"POST", "/v1/wallets/jkopay/faults", `{"call":"pay","faults":[{"kind":"explode"}]}`, 400},
		{"POST", "/v1/wallets/jkopay/faults", `{"call":"pay","faults":[{"kind":"delay"}]}`, 400},
		{"POST", "/v1/wallets/jkopay/faults", `{"call":"pay","faults":[]}`, 400},
		{"POST", "/v1/wallets/jkopay/faults", `{"call":"pay","faults":[{"kind":"hang"}],"x":1}`, 400},
		{"DELETE", "/v1/wallets/jkopay/faults", "", 200},
		{"GET", "/healthz", "", 200},
	}
	for _, tt := range tests {
		if got := control(t, tt.method, st.Control+tt.path, tt.body, nil); got != tt.status {
			t.Errorf("%s %s %s: %d, want %d", tt.method, tt.path, tt.body, got, tt.status)
		}
	}
}

func TestListenMustBeLoopback(t *testing.T) {
	err := run(context.Background(), []string{"-listen", "0.0.0.0:0"}, io.Discard, io.Discard, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback control API: %v", err)
	}
}
