package ipass

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// Documented paths, and the void path, which is a GUESS: the spec page
// shows the refund path under void (a copy-paste), so it is configurable.
const (
	PayPath         = "/v1/payment/ipass/offline/pay"
	SearchPath      = "/v1/payment/ipass/offline/search"
	RefundPath      = "/v1/payment/ipass/offline/refund"
	DefaultVoidPath = "/v1/payment/ipass/offline/void"
)

// Field limits from the spec.
const (
	MaxOrderNumber = 100
	MaxStoreID     = 20
	MaxTerminalID  = 8
	MaxProductDesc = 4000
)

// table is the configuration table, named in errors.
const table = "providers.ipass"

// Config is the [providers.ipass] table: the gateway account (base_url,
// auth_key…, acc_key…, code_ttl, timeout; see gateway.Account) and iPass's
// own keys.
type Config struct {
	gateway.Account
	// OmniStoreID selects the gateway-held iPass credentials (sent as the
	// body's top-level store_id). Set it, or MerchantID and Key.
	OmniStoreID string `toml:"omni_store_id"`
	MerchantID  string `toml:"merchant_id"`
	Key         string `toml:"key"`
	KeyFile     string `toml:"key_file"`
	KeyEnv      string `toml:"key_env"`
	// StoreID is the request's store_id (店號), at most 20 characters.
	StoreID string `toml:"store_id"`
	// VoidPath is a guess (see DefaultVoidPath).
	VoidPath string `toml:"void_path"`
	IsTest   bool   `toml:"is_test"`
	// DeclineCodes are the pay return codes KNOWN to mean "iPass refused
	// the payment, nothing was charged". Every other code but 0000 is
	// Unknown and settled by search, then void, so a code nobody listed
	// can never end a charged payment as declined. Default: none, because
	// iPass publishes only 0000 (success), 0006 (order number repeated:
	// an earlier send arrived) and 9999 (unexpected error: money may have
	// moved), and none of them is a decline (WALLET-FACTS.md). Any code
	// added here is a guess until iPass documents it; 0000, 0006 and 9999
	// are refused.
	DeclineCodes []string `toml:"decline_codes"`
	// UncertainCodes are return codes after which money may have moved, in
	// the answers of search, void and refund (a pay code not in
	// DeclineCodes is uncertain anyway). Default ["9999"]. Kept from
	// before decline_codes existed; a code may not be in both.
	UncertainCodes []string `toml:"uncertain_codes"`
	// NotFoundCodes are the return codes with which search and void say
	// "iPass has no trade for this order number". Default: none, because
	// iPass publishes none (the gateway's pages list 0000, 0006 and 9999
	// only); set the code iPass's certification team gives you. Without
	// it an unknown payment that never reached iPass waits for an operator
	// (see doc.go, "Settling by evidence").
	NotFoundCodes []string `toml:"not_found_codes"`
	// SettleMargin is added to pos_date_time + code_ttl before the
	// absence of a trade is believed: it covers a store PC clock ahead of
	// iPass's (the expiry is measured from pos_date_time, written by the
	// PC). Default DefaultSettleMargin.
	SettleMargin time.Duration `toml:"settle_margin"`

	key string // resolved by Provision
}

// DefaultSettleMargin is settle_margin when unset: ten minutes of clock
// difference between the store PC and iPass.
const DefaultSettleMargin = 10 * time.Minute

// Provision fills defaults and resolves the secrets.
func (c *Config) Provision(env providers.Env) error {
	if c.VoidPath == "" {
		c.VoidPath = DefaultVoidPath
	}
	if c.UncertainCodes == nil {
		c.UncertainCodes = []string{"9999"}
	}
	if c.SettleMargin == 0 {
		c.SettleMargin = DefaultSettleMargin
	}
	err := c.Account.Provision(env, table)
	if err != nil {
		return err
	}
	if c.merchantMode() {
		if c.key, err = providers.ResolveSecret(env, "providers.ipass.key", c.Key, c.KeyFile, c.KeyEnv); err != nil {
			return err
		}
	}
	return nil
}

// merchantMode: the merchant's own iPass credentials are in use.
func (c *Config) merchantMode() bool {
	return c.MerchantID != "" || c.Key != "" || c.KeyFile != "" || c.KeyEnv != ""
}

// Validate names the first bad key and its fix.
func (c *Config) Validate() error {
	if err := c.Account.Validate(table); err != nil {
		return err
	}
	switch {
	case c.OmniStoreID != "" && c.merchantMode():
		return errors.New("providers.ipass has both omni_store_id and merchant_id/key: keep omni_store_id to use the credentials held by the gateway, or merchant_id and key to use your own, not both")
	case c.OmniStoreID == "" && !c.merchantMode():
		return errors.New("providers.ipass has neither omni_store_id nor merchant_id: set omni_store_id (credentials held by the gateway) or merchant_id and key (the iPass merchant id and key issued to you)")
	case c.merchantMode() && strings.TrimSpace(c.MerchantID) == "":
		return errors.New("providers.ipass.key is set but merchant_id is empty: set merchant_id to your iPass merchant id")
	case c.merchantMode() && c.key == "":
		return errors.New("providers.ipass.key is not provisioned: set key (or key_file/key_env) to the key iPass issued with your merchant id")
	case strings.TrimSpace(c.StoreID) == "":
		return errors.New("providers.ipass.store_id is empty: set it to this store's number (店號), at most 20 characters")
	case utf8.RuneCountInString(c.StoreID) > MaxStoreID:
		return fmt.Errorf("providers.ipass.store_id %q is %d characters: iPass allows at most %d, shorten it", c.StoreID, utf8.RuneCountInString(c.StoreID), MaxStoreID)
	case !strings.HasPrefix(c.VoidPath, "/"):
		return fmt.Errorf("providers.ipass.void_path %q must start with /: e.g. %q", c.VoidPath, DefaultVoidPath)
	}
	for _, code := range c.UncertainCodes {
		if code == ReturnOK {
			return errors.New("providers.ipass.uncertain_codes lists 0000, which is success: remove it")
		}
	}
	if c.SettleMargin < 0 {
		return fmt.Errorf("providers.ipass.settle_margin %s is negative: set it to how far the store PC's clock may run ahead of iPass's, e.g. \"10m\"", c.SettleMargin)
	}
	for _, code := range c.NotFoundCodes {
		switch {
		case code == ReturnOK || code == ReturnRepeated || code == ReturnUnexpected:
			return fmt.Errorf("providers.ipass.not_found_codes lists %s, which iPass documents as something else: remove it", code)
		case strings.TrimSpace(code) == "":
			return errors.New("providers.ipass.not_found_codes has an empty code: remove it")
		case slices.Contains(c.UncertainCodes, code):
			return fmt.Errorf("providers.ipass lists %s in both not_found_codes and uncertain_codes: keep it in one", code)
		}
	}
	for _, code := range c.DeclineCodes {
		switch {
		case code == ReturnOK:
			return errors.New("providers.ipass.decline_codes lists 0000, which is success: remove it")
		case code == ReturnRepeated:
			return errors.New("providers.ipass.decline_codes lists 0006 (order number repeated), which means an earlier send arrived and may have charged: remove it")
		case code == ReturnUnexpected:
			return errors.New("providers.ipass.decline_codes lists 9999 (unexpected error), after which money may have moved: remove it")
		case strings.TrimSpace(code) == "":
			return errors.New("providers.ipass.decline_codes has an empty code: remove it")
		case slices.Contains(c.UncertainCodes, code):
			return fmt.Errorf("providers.ipass lists %s in both decline_codes and uncertain_codes: keep it in one (a decline only if iPass documents it as a refusal that charged nothing)", code)
		}
	}
	return nil
}

// Open makes the wallet. Provision and Validate must have succeeded.
func (c *Config) Open(env providers.Env) (providers.Wallet, error) {
	return newWallet(*c, env)
}

func init() {
	providers.Register(providers.Driver{
		Name:      Name,
		NewConfig: func() providers.Config { return &Config{} },
		Rules:     gateway.RulesOf(Name),
	})
}
