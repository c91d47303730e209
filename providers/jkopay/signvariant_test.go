package jkopay_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// The escaped variant's vector was computed outside Go (Python:
// json.dumps(sort_keys=True, separators=(',',':'), ensure_ascii=False),
// then & < > replaced by \u0026 \u003c \u003e, + key, SHA-256, upper
// case); the spec variant's is TestSignVectors'.
func TestSignVariants(t *testing.T) {
	p := jkopay.Payload{"C": `x"y\z`, "A": "<&>", "B": int64(-5)}
	for variant, want := range map[string]string{
		jkopay.SignSpec:         "503684d9596e295008732850690a76a971606ac8c104ee603214e0a4b4483d81",
		jkopay.SignEscapedUpper: "F9F7B7765F5B74B002F3E8AF28E5CD8C9B2F57404A290F65AD26208A77A111AD",
	} {
		if got, err := jkopay.SignWith(variant, p, "k"); err != nil || got != want {
			t.Fatalf("%s: %s, %v; want %s", variant, got, err, want)
		}
	}
	if _, err := jkopay.SignWith("other", p, "k"); err == nil {
		t.Fatal("an unknown variant signed")
	}
}

// Health tells a refused signature apart (ErrSignatureRefused), so that
// the store can find its variant against JKOPay's test system in one
// command; the configured variant is what every call signs with.
func TestSignVariantIsAConfigChoice(t *testing.T) {
	for _, simVariant := range jkopay.SignVariants() {
		for _, variant := range jkopay.SignVariants() {
			t.Run(simVariant+"/"+variant, func(t *testing.T) {
				r := newRig(t, wallettest.Options{}, func(c *jkopay.Config) { c.SignVariant = variant })
				r.sim.SetSignVariant(simVariant)
				err := r.w.Health(context.Background())
				out := r.w.Pay(context.Background(), r.payment(t, r.sim.IssueCode(), 100))
				if simVariant == variant {
					if err != nil || out.Kind != providers.Approved {
						t.Fatalf("health %v, pay %+v", err, out)
					}
					return
				}
				if !errors.Is(err, jkopay.ErrSignatureRefused) {
					t.Fatalf("health = %v, want ErrSignatureRefused", err)
				}
				if out.Kind != providers.ConfigError || out.Code != "904" {
					t.Fatalf("pay = %+v, want config_error 904", out)
				}
			})
		}
	}
	r := newRig(t, wallettest.Options{}, nil)
	cfg := r.sim.JKOConfig()
	cfg.SignVariant = "lower"
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "sign_variant") {
		t.Fatalf("an unknown sign_variant: %v", err)
	}
}
