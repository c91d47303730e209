package jkopay_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

func TestConfigFromTOML(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jkopay.key"), []byte("k3y-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const doc = `
base_url = "https://pos.jkopay.com/SYSTEM-NAME"
merchant_id = "9999999"
merchant_key_file = "jkopay.key"
store_id = "9999999"
store_name = "街口測試"
code_ttl = "90s"
`
	d, _ := providers.Lookup("jkopay")
	cfg := d.NewConfig()
	if _, err := toml.Decode(doc, cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Provision(providers.Env{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Limits(); got != (providers.Limits{CodeTTL: 90 * time.Second, Timeout: 15 * time.Second}) {
		t.Fatalf("limits = %+v", got)
	}
	if got := cfg.(*jkopay.Config).NotFoundWindow; got != jkopay.DefaultNotFoundWindow {
		t.Fatalf("not_found_window left out = %s, want JKOPay's documented %s", got, jkopay.DefaultNotFoundWindow)
	}
	if s := cfg.(*jkopay.Config).String(); strings.Contains(s, "k3y") {
		t.Fatalf("String shows the key: %s", s)
	}
	w, err := cfg.Open(providers.Env{})
	if err != nil || w.Name() != "jkopay" {
		t.Fatalf("Open = %v, %v", w, err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := func() *jkopay.Config {
		return &jkopay.Config{BaseURL: "https://pos.jkopay.com/X", MerchantID: "9999999", MerchantKey: "k", StoreID: "1", StoreName: "s"}
	}
	tests := []struct {
		name   string
		mutate func(*jkopay.Config)
		want   string
	}{
		{"no base_url", func(c *jkopay.Config) { c.BaseURL = "" }, "providers.jkopay.base_url is empty: set it"},
		{"base_url not http", func(c *jkopay.Config) { c.BaseURL = "pos.jkopay.com/X" }, "is not an http(s) URL"},
		{"no merchant_id", func(c *jkopay.Config) { c.MerchantID = "" }, "providers.jkopay.merchant_id is empty: set it to the merchant ID JKOPay issued you"},
		{"long merchant_id", func(c *jkopay.Config) { c.MerchantID = "12345678901" }, "merchant_id is longer"},
		{"no store_id", func(c *jkopay.Config) { c.StoreID = "" }, "store_id is empty"},
		{"long store_name", func(c *jkopay.Config) { c.StoreName = strings.Repeat("s", 101) }, "store_name is longer"},
		{"no store_name", func(c *jkopay.Config) { c.StoreName = "" }, "store_name is empty"},
		{"negative code_ttl", func(c *jkopay.Config) { c.CodeTTL = -time.Second }, "code_ttl"},
		{"negative timeout", func(c *jkopay.Config) { c.Timeout = -time.Second }, "timeout"},
		{"negative not_found_window", func(c *jkopay.Config) { c.NotFoundWindow = -time.Second }, "providers.jkopay.not_found_window is -1s: set it above zero and at most 5m0s"},
		{"not_found_window over 5m", func(c *jkopay.Config) { c.NotFoundWindow = 5*time.Minute + time.Second }, "not_found_window is 5m1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mutate(c)
			if err := c.Provision(providers.Env{}); err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if _, err := c.Open(providers.Env{}); err == nil {
				t.Fatal("Open accepted an invalid config")
			}
		})
	}
	c := good()
	c.MerchantKey = ""
	if err := c.Provision(providers.Env{}); err == nil || !strings.Contains(err.Error(), "providers.jkopay.merchant_key is not set") {
		t.Fatalf("Provision without a key = %v", err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "merchant_key") {
		t.Fatalf("Validate without a key = %v", err)
	}
}

// not_found_window is read from TOML, and the simulator's config carries
// its window through a TOML round trip (as edge's crash harness hands a
// child process its config), so the child waits the simulator's window,
// not JKOPay's 15 s.
func TestNotFoundWindowFromTOML(t *testing.T) {
	tests := []struct {
		doc  string
		want time.Duration
	}{
		{`not_found_window = "2s"`, 2 * time.Second},
		{`not_found_window = "5m"`, 5 * time.Minute},
		{`not_found_window = "1ns"`, time.Nanosecond},
		{``, jkopay.DefaultNotFoundWindow},
	}
	for _, tc := range tests {
		t.Run(tc.doc, func(t *testing.T) {
			cfg := &jkopay.Config{}
			doc := `base_url = "https://pos.jkopay.com/X"
merchant_id = "9999999"
merchant_key = "k"
store_id = "1"
store_name = "s"
` + tc.doc
			if _, err := toml.Decode(doc, cfg); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Provision(providers.Env{}); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil || cfg.NotFoundWindow != tc.want {
				t.Fatalf("window %s, %v; want %s", cfg.NotFoundWindow, err, tc.want)
			}
		})
	}
	for _, window := range []time.Duration{0, 3 * time.Second, jkopay.DefaultNotFoundWindow} {
		t.Run(fmt.Sprint("simulator ", window), func(t *testing.T) {
			sim := jkopaytest.New(wallettest.Options{})
			defer sim.Close()
			sim.SetNotFoundWindow(window)
			var buf bytes.Buffer
			if err := toml.NewEncoder(&buf).Encode(sim.Config()); err != nil {
				t.Fatal(err)
			}
			back := &jkopay.Config{}
			if _, err := toml.Decode(buf.String(), back); err != nil {
				t.Fatalf("%v in\n%s", err, buf.String())
			}
			if err := back.Provision(providers.Env{}); err != nil {
				t.Fatal(err)
			}
			if err := back.Validate(); err != nil {
				t.Fatal(err)
			}
			want := max(window, time.Nanosecond) // "records at once" is 1ns
			if back.NotFoundWindow != want || back.NotFoundWindow != sim.JKOConfig().NotFoundWindow {
				t.Fatalf("round trip window %s, want %s; TOML:\n%s", back.NotFoundWindow, want, buf.String())
			}
		})
	}
}
