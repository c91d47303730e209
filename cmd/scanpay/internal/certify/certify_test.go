package certify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

func newSim(t *testing.T, name string) wallettest.Simulator {
	t.Helper()
	opts := wallettest.Options{Logger: slog.New(slog.DiscardHandler)}
	var s wallettest.Simulator
	switch name {
	case "jkopay":
		s = jkopaytest.New(opts)
	case "easywallet":
		s = easywallettest.New(opts)
	case "ipass":
		s = ipasstest.New(opts)
	case "linepay":
		s = linepaytest.New(opts)
	default:
		t.Fatalf("no simulator %s", name)
	}
	t.Cleanup(s.Close)
	return s
}

// configAt is sim's configuration with its base URL replaced, decoded as
// cmd/scanpay decodes a [providers.<name>] table.
func configAt(t *testing.T, sim wallettest.Simulator, base string) providers.Config {
	t.Helper()
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(sim.Config()); err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(buf.String(), sim.URL(), base)
	drv, ok := providers.Lookup(sim.Name())
	if !ok {
		t.Fatalf("%s is not registered", sim.Name())
	}
	cfg := drv.NewConfig()
	if _, err := toml.Decode(text, cfg); err != nil {
		t.Fatal(err)
	}
	env := providers.Env{}
	if err := cfg.Provision(env); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRunAgainstSimulators: every case passes against each strict
// simulator, every charge is given back, and the transcript shows the
// wire with no full code or secret in it.
func TestRunAgainstSimulators(t *testing.T) {
	for _, name := range []string{"jkopay", "easywallet", "ipass", "linepay"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, name)
			var codes []string
			var tr, progress bytes.Buffer
			rep, err := Run(context.Background(), Options{
				Wallet: name, Config: sim.Config(), Env: providers.Env{Logger: slog.New(slog.DiscardHandler)},
				Codes: CodeFunc(func(context.Context, string, string) (string, error) {
					c := sim.IssueCode()
					codes = append(codes, c)
					return c, nil
				}),
				Transcript: &tr, Progress: &progress, Pause: 20 * time.Millisecond, Settle: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != len(Cases) {
				t.Fatalf("%d results, want %d: %+v", len(rep.Results), len(Cases), rep.Results)
			}
			for i, res := range rep.Results {
				if res.Case != Cases[i] {
					t.Errorf("result %d is %q, want %q", i, res.Case, Cases[i])
				}
				want := pass
				if name == "easywallet" && res.Case == CaseVoid {
					want = skip // EasyWallet has no void
				}
				if name == "linepay" && res.Case == CasePartial {
					want = skip // LINE Pay refunds in full only
				}
				if res.Status != want {
					t.Errorf("%s: %s (%s), want %s", res.Case, res.Status, res.Detail, want)
				}
			}
			want := len(PaymentCases)
			if name == "easywallet" || name == "linepay" {
				want-- // no void case; no partial refund case
			}
			if len(codes) != want {
				t.Errorf("%d codes asked for, want one per payment case run (%d)", len(codes), want)
			}
			for _, c := range sim.Ledger() {
				if !c.Voided && c.Refunded < c.Amount {
					t.Errorf("charge %s (%d TWD) was not given back: %+v", c.Key, c.Amount, c)
				}
			}
			text := tr.String()
			for _, c := range codes {
				if strings.Contains(text, c) || strings.Contains(progress.String(), c) {
					t.Errorf("the transcript shows a full payment code")
				}
				if !strings.Contains(text, mask.Code(c)) {
					t.Errorf("the transcript does not show the masked code %s", mask.Code(c))
				}
			}
			for _, want := range []string{"==== case 1: pay approved — PASS", "-->", "<--", "WITHHELD"} {
				if !strings.Contains(text, want) {
					t.Errorf("the transcript lacks %q", want)
				}
			}
			for _, secret := range simSecrets(t, sim) {
				if strings.Contains(text, secret) {
					t.Errorf("the transcript shows a secret of the configuration (%s)", mask.Code(secret))
				}
			}
		})
	}
}

// simTable is a simulator's configuration as its TOML table.
func simTable(t *testing.T, sim wallettest.Simulator) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(sim.Config()); err != nil {
		t.Fatal(err)
	}
	var table map[string]any
	if _, err := toml.Decode(buf.String(), &table); err != nil {
		t.Fatal(err)
	}
	return table
}

// simSecrets are the secret values in a simulator's configuration, read
// from its TOML table by the names the wallets use.
func simSecrets(t *testing.T, sim wallettest.Simulator) []string {
	t.Helper()
	table := simTable(t, sim)
	var out []string
	for k, v := range table {
		if s, ok := v.(string); ok && s != "" && (strings.Contains(k, "key") || strings.Contains(k, "secret")) && !strings.HasSuffix(k, "_file") && !strings.HasSuffix(k, "_env") {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s's configuration has no secret to look for", sim.Name())
	}
	return out
}

type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return nil, errors.New("must not be called")
}

// TestProductionRefused: a base URL that does not look like a test system
// is refused before any byte leaves and before a code is asked for,
// unless Production is set.
func TestProductionRefused(t *testing.T) {
	for _, name := range []string{"jkopay", "easywallet", "ipass", "linepay"} {
		t.Run(name, func(t *testing.T) {
			sim := newSim(t, name)
			cfg := configAt(t, sim, "https://pos.wallet.com.tw/SYSTEM")
			var wire countingTransport
			asked := 0
			codes := CodeFunc(func(context.Context, string, string) (string, error) { asked++; return sim.IssueCode(), nil })
			_, err := Run(context.Background(), Options{Wallet: name, Config: cfg, Codes: codes, Transport: &wire, Env: providers.Env{Logger: slog.New(slog.DiscardHandler)}})
			if !errors.Is(err, ErrProduction) || !strings.Contains(err.Error(), "--production") {
				t.Fatalf("Run against a production address = %v; want ErrProduction naming --production", err)
			}
			if wire.n.Load() != 0 || asked != 0 {
				t.Fatalf("%d requests sent and %d codes asked for before the refusal; want none", wire.n.Load(), asked)
			}
			// With --production the guard lets it through (to a transport
			// that fails here, so nothing real is reached).
			rep, err := Run(context.Background(), Options{Wallet: name, Config: cfg, Codes: codes, Transport: &wire, Production: true,
				Settle: time.Millisecond, Pause: time.Millisecond, Env: providers.Env{Logger: slog.New(slog.DiscardHandler)}})
			if err != nil || wire.n.Load() == 0 {
				t.Fatalf("with Production: %v, %d requests; want the run to reach the transport", err, wire.n.Load())
			}
			if rep.Failed() == 0 {
				t.Fatalf("every case passed over a transport that fails every request")
			}
		})
	}
}

func TestIsTestHost(t *testing.T) {
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"::1", true}, {"localhost", true}, {"10.1.2.3", true}, {"192.168.0.9", true},
		{"uat-pos.jkopay.com", true}, {"postest.jkopay.com", true}, {"sandbox.example.com", true}, {"api.staging.example.com", true},
		{"dev2.gateway.example", true},
		{"pos.jkopay.com", false}, {"devices.example.com", false}, {"8.8.8.8", false}, {"api.example.com", false}, {"", false},
	} {
		if got := IsTestHost(tt.host); got != tt.want {
			t.Errorf("IsTestHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

// TestMaskText: codes anywhere, secrets by field name and then wherever
// their value appears again.
func TestMaskText(t *testing.T) {
	m := newMasker()
	code := "22ABCDEFGH12345678"
	m.addCode(code)
	ex := exchange{
		ReqBody: []byte(`{"authkey": "AK-very-secret-1", "acc_key":"ACC-secret-2","CardToken":"` + code + `","iv":"00ff"}`),
		ReqHdr:  http.Header{"Authorization": {"Bearer tok-123456789"}},
	}
	m.learn(ex)
	got := m.text(string(ex.ReqBody) + " echo tok-123456789 AK-very-secret-1")
	for _, bad := range []string{code, "AK-very-secret-1", "ACC-secret-2", "tok-123456789"} {
		if strings.Contains(got, bad) {
			t.Errorf("masked text still holds %q: %s", bad, got)
		}
	}
	for _, want := range []string{mask.Code(code), `"iv":"00ff"`, `"authkey": "[redacted]"`} {
		if !strings.Contains(got, want) {
			t.Errorf("masked text lacks %q: %s", want, got)
		}
	}
	if h := m.header("Authorization", "Bearer tok-123456789"); strings.Contains(h, "tok-") || !strings.HasPrefix(h, "Bearer ") {
		t.Errorf("Authorization header masked as %q", h)
	}
}

// TestCheckSignature: JKOPay's simulator checks the signature like JKOPay:
// the right key is accepted, a wrong one refused (904), and no answer at
// all proves nothing.
func TestCheckSignature(t *testing.T) {
	sim := newSim(t, "jkopay")
	quiet := providers.Env{Logger: slog.New(slog.DiscardHandler)}
	res, err := CheckSignature(context.Background(), Options{Wallet: "jkopay", Config: sim.Config(), Env: quiet})
	if err != nil || res.Verdict != SignatureAccepted {
		t.Fatalf("the right key: %+v, %v; want accepted", res, err)
	}

	key, _ := simTable(t, sim)["merchant_key"].(string)
	if key == "" {
		t.Fatal("the simulator's config has no merchant_key")
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(sim.Config()); err != nil {
		t.Fatal(err)
	}
	drv, _ := providers.Lookup("jkopay")
	bad := drv.NewConfig()
	if _, err := toml.Decode(strings.ReplaceAll(buf.String(), key, strings.Repeat("f", len(key))), bad); err != nil {
		t.Fatal(err)
	}
	if err := bad.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	res, err = CheckSignature(context.Background(), Options{Wallet: "jkopay", Config: bad, Env: quiet})
	if err != nil || res.Verdict != SignatureRefused {
		t.Fatalf("a wrong key: %+v, %v; want refused (904)", res, err)
	}
	if strings.Contains(res.Detail, key) || strings.Contains(res.Detail, strings.Repeat("f", len(key))) {
		t.Fatalf("the verdict shows the key: %s", res.Detail)
	}

	sim.Close()
	res, err = CheckSignature(context.Background(), Options{Wallet: "jkopay", Config: sim.Config(), Env: quiet})
	if err != nil || res.Verdict != SignatureUnclear {
		t.Fatalf("no answer: %+v, %v; want unclear", res, err)
	}
}

// TestPromptAsksAgain: a person who types something that is not the
// wallet's code is told why and asked again; nothing is sent for it.
func TestPromptAsksAgain(t *testing.T) {
	sim := newSim(t, "ipass")
	good := sim.IssueCode()
	var out bytes.Buffer
	p := &Prompt{In: strings.NewReader("oops\n" + good + "\n"), Out: &out}
	r := &run{o: Options{Wallet: "ipass", Codes: p, CheckCode: func(c string) error {
		if c != good {
			return errors.New("not an ipass code")
		}
		return nil
	}}}
	code, err := r.code(context.Background(), CaseApproved)
	if err != nil || code != good {
		t.Fatalf("code = %q, %v; want the second line", mask.Code(code), err)
	}
	if n := strings.Count(out.String(), "show a fresh ipass payment code"); n != 2 || !strings.Contains(out.String(), "not an ipass code") {
		t.Fatalf("asked %d times, output:\n%s", n, out.String())
	}
	// A list is not a person: a bad code fails the case at once.
	r.o.Codes = NewList([]string{"oops", good})
	if _, err := r.code(context.Background(), CaseApproved); err == nil || !strings.Contains(err.Error(), "not an ipass code") {
		t.Fatalf("a bad listed code: %v; want the check's error", err)
	}
}
