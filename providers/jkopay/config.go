package jkopay

import (
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
)

// Defaults: JKOPay's documented 15 s answer window; a code lifetime of 60 s
// (JKOPay publishes none, WALLET-FACTS.md).
const (
	DefaultTimeout        = 15 * time.Second
	DefaultCodeTTL        = 60 * time.Second
	DefaultNotFoundWindow = 15 * time.Second
	// MaxNotFoundWindow bounds not_found_window: an unknown payment is
	// settled no sooner than this after its Payment, and the customer waits
	// at the till.
	MaxNotFoundWindow = 5 * time.Minute
)

// Config is the [providers.jkopay] table.
type Config struct {
	BaseURL         string        `toml:"base_url"`
	MerchantID      string        `toml:"merchant_id"`
	MerchantKey     string        `toml:"merchant_key"`
	MerchantKeyFile string        `toml:"merchant_key_file"`
	MerchantKeyEnv  string        `toml:"merchant_key_env"`
	StoreID         string        `toml:"store_id"`
	StoreName       string        `toml:"store_name"`
	CodeTTL         time.Duration `toml:"code_ttl"`
	Timeout         time.Duration `toml:"timeout"`
	// NotFoundWindow (not_found_window) is how long after a Payment
	// reaches JKOPay it may still answer 916 (not found) for it, so that a
	// 916 within it settles nothing: 15 s (WALLET-FACTS.md, doc, for
	// Inquiry; Cancel is assumed to be the same). It is JKOPay's, not the
	// store's, so leave it unset in production; it is a key so that a
	// simulator that records payments at once (and a test harness that
	// hands a child process its config as TOML) can carry its own.
	// Between 1ns and MaxNotFoundWindow.
	NotFoundWindow time.Duration `toml:"not_found_window"`
	// SignVariant (sign_variant) is how requests are signed: SignSpec
	// (default, the spec's reading) or SignEscapedUpper (another public
	// client's). Health answers ErrSignatureRefused when JKOPay refuses
	// the configured one.
	SignVariant string `toml:"sign_variant"`

	key string // resolved by Provision from one of the three sources
}

// String keeps the merchant key out of any %v of the config.
func (c *Config) String() string {
	return fmt.Sprintf("jkopay{base_url=%s merchant_id=%s store_id=%s merchant_key=%s}", c.BaseURL, c.MerchantID, c.StoreID, mask.Secret(c.key+c.MerchantKey))
}

// Provision fills the defaults and resolves the merchant key.
func (c *Config) Provision(env providers.Env) error {
	if c.CodeTTL == 0 {
		c.CodeTTL = DefaultCodeTTL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.NotFoundWindow == 0 {
		c.NotFoundWindow = DefaultNotFoundWindow
	}
	if c.SignVariant == "" {
		c.SignVariant = SignSpec
	}
	key, err := providers.ResolveSecret(env, "providers.jkopay.merchant_key", c.MerchantKey, c.MerchantKeyFile, c.MerchantKeyEnv)
	if err != nil {
		return err
	}
	c.key = key
	return nil
}

// Validate names the first wrong key and its fix.
func (c *Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case c.BaseURL == "":
		return fmt.Errorf("providers.jkopay.base_url is empty: set it to JKOPay's POS API address, e.g. https://pos.jkopay.com/SYSTEM-NAME")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("providers.jkopay.base_url %q is not an http(s) URL: set it to JKOPay's POS API address, e.g. https://pos.jkopay.com/SYSTEM-NAME", c.BaseURL)
	case c.MerchantID == "":
		return fmt.Errorf("providers.jkopay.merchant_id is empty: set it to the merchant ID JKOPay issued you")
	case utf8.RuneCountInString(c.MerchantID) > 10:
		return fmt.Errorf("providers.jkopay.merchant_id is longer than JKOPay's 10 characters: copy it again from JKOPay's letter")
	case c.StoreID == "":
		return fmt.Errorf("providers.jkopay.store_id is empty: set it to the store ID JKOPay issued you")
	case utf8.RuneCountInString(c.StoreID) > 20:
		return fmt.Errorf("providers.jkopay.store_id is longer than JKOPay's 20 characters: copy it again from JKOPay's letter")
	case c.StoreName == "":
		return fmt.Errorf("providers.jkopay.store_name is empty: set it to the store's name (half-width characters)")
	case utf8.RuneCountInString(c.StoreName) > 100:
		return fmt.Errorf("providers.jkopay.store_name is longer than JKOPay's 100 characters: shorten it")
	case c.key == "":
		return fmt.Errorf("providers.jkopay.merchant_key is not set: set merchant_key, merchant_key_file or merchant_key_env to the key JKOPay issued you")
	case c.CodeTTL <= 0:
		return fmt.Errorf("providers.jkopay.code_ttl is %s: set it above zero, e.g. \"60s\"", c.CodeTTL)
	case c.Timeout <= 0:
		return fmt.Errorf("providers.jkopay.timeout is %s: set it above zero; JKOPay documents \"15s\"", c.Timeout)
	case c.SignVariant != SignSpec && c.SignVariant != SignEscapedUpper:
		return fmt.Errorf("providers.jkopay.sign_variant %q is not known: set it to %q (the spec's reading, default) or %q (escaped <>&, uppercase hex)", c.SignVariant, SignSpec, SignEscapedUpper)
	case c.NotFoundWindow <= 0 || c.NotFoundWindow > MaxNotFoundWindow:
		return fmt.Errorf("providers.jkopay.not_found_window is %s: set it above zero and at most %s, or leave it out for JKOPay's documented %s", c.NotFoundWindow, MaxNotFoundWindow, DefaultNotFoundWindow)
	}
	return nil
}

// Limits are the code lifetime and the per-request timeout.
func (c *Config) Limits() providers.Limits {
	return providers.Limits{CodeTTL: c.CodeTTL, Timeout: c.Timeout}
}

// Open makes the wallet; the config must have been provisioned and
// validated.
func (c *Config) Open(env providers.Env) (providers.Wallet, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return newWallet(*c, env), nil
}

func init() {
	providers.Register(providers.Driver{
		Name:      Name,
		NewConfig: func() providers.Config { return &Config{} },
		Rules:     []providers.Rule{rule()},
	})
}

// rule is JKOPay's line of the default classification table.
func rule() providers.Rule {
	for _, r := range providers.DefaultRules() {
		if r.Name == Name {
			return r
		}
	}
	panic("providers.DefaultRules has no jkopay rule")
}
