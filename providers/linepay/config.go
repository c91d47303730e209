package linepay

import (
	"fmt"
	"strings"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// Defaults. DefaultTimeout: the Payment page asks for a read timeout of at
// least 40 s (developers-pay.line.me/offline-api-v2/request-payment; the
// older reference said 20 s). DefaultCodeTTL: a oneTimeKey is valid for
// 5 minutes from when the customer opens it (both references).
const (
	DefaultBaseURL     = "https://api-pay.line.me"
	SandboxBaseURL     = "https://sandbox-api-pay.line.me"
	DefaultTimeout     = 40 * time.Second
	DefaultCodeTTL     = 5 * time.Minute
	DefaultDeviceType  = "POS"
	DefaultProductName = "scanpay"
	// DefaultSettleMargin is settle_margin when unset: a request sent just
	// before the code's lifetime ended may still be processed a little
	// after it (a guess: LINE Pay publishes no such bound).
	DefaultSettleMargin = 2 * time.Minute
	// MaxSettleMargin bounds settle_margin.
	MaxSettleMargin = time.Hour
)

// table is the configuration table, named in errors.
const table = "providers.linepay"

// Config is the [providers.linepay] table.
type Config struct {
	BaseURL           string `toml:"base_url"`
	ChannelID         string `toml:"channel_id"`
	ChannelSecret     string `toml:"channel_secret"`
	ChannelSecretFile string `toml:"channel_secret_file"`
	ChannelSecretEnv  string `toml:"channel_secret_env"`
	// DeviceType (device_type) is sent as X-LINE-MerchantDeviceType with
	// every request, beside the lane's terminal id as
	// X-LINE-MerchantDeviceProfileId (the reference: "use together").
	DeviceType string `toml:"device_type"`
	// ProductName (product_name) is productName when the POS sends neither
	// a description nor items.
	ProductName string        `toml:"product_name"`
	CodeTTL     time.Duration `toml:"code_ttl"`
	Timeout     time.Duration `toml:"timeout"`
	// SettleMargin (settle_margin) is added to code_ttl, counted from this
	// process's first status check of the payment, before "LINE Pay has
	// no such order" is taken to mean it never will (doc.go, Settling by
	// evidence).
	SettleMargin time.Duration `toml:"settle_margin"`

	secret string // resolved by Provision
}

// String keeps the channel secret out of any %v of the config.
func (c *Config) String() string {
	return fmt.Sprintf("linepay{base_url=%s channel_id=%s channel_secret=%s}", c.BaseURL, c.ChannelID, mask.Secret(c.secret+c.ChannelSecret))
}

// Provision fills the defaults and resolves the channel secret.
func (c *Config) Provision(env providers.Env) error {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.DeviceType == "" {
		c.DeviceType = DefaultDeviceType
	}
	if c.ProductName == "" {
		c.ProductName = DefaultProductName
	}
	if c.CodeTTL == 0 {
		c.CodeTTL = DefaultCodeTTL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.SettleMargin == 0 {
		c.SettleMargin = DefaultSettleMargin
	}
	s, err := providers.ResolveSecret(env, table+".channel_secret", c.ChannelSecret, c.ChannelSecretFile, c.ChannelSecretEnv)
	if err != nil {
		return err
	}
	c.secret = s
	return nil
}

// Validate names the first wrong key and its fix.
func (c *Config) Validate() error {
	if err := gateway.CheckBaseURL(table+".base_url", c.BaseURL); err != nil {
		return fmt.Errorf("%w (LINE Pay's is %s; its sandbox %s)", err, DefaultBaseURL, SandboxBaseURL)
	}
	switch {
	case c.ChannelID == "":
		return fmt.Errorf("%s.channel_id is empty: set it to the Channel ID in LINE Pay's merchant center (Payment Integration Management > Manage Link Key)", table)
	case !allDigits(c.ChannelID) || len(c.ChannelID) > MaxChannelID:
		return fmt.Errorf("%s.channel_id %q is not the digits of a Channel ID: copy it again from LINE Pay's merchant center", table, c.ChannelID)
	case c.secret == "":
		return fmt.Errorf("%s.channel_secret is not set: set channel_secret, channel_secret_file or channel_secret_env to the Channel Secret Key from LINE Pay's merchant center", table)
	case !headerSafe(c.secret, MaxHeader):
		return fmt.Errorf("%s.channel_secret holds spaces, control or non-ASCII characters, or is over %d long: copy the Channel Secret Key again", table, MaxHeader)
	case !headerSafe(c.DeviceType, MaxHeader):
		return fmt.Errorf("%s.device_type %q must be printable ASCII without spaces, at most %d long: e.g. %q", table, c.DeviceType, MaxHeader, DefaultDeviceType)
	case strings.TrimSpace(c.ProductName) == "" || len([]rune(c.ProductName)) > MaxProductName:
		return fmt.Errorf("%s.product_name must be 1..%d characters: e.g. the store's name", table, MaxProductName)
	case c.CodeTTL <= 0:
		return fmt.Errorf("%s.code_ttl is %s: set it above zero; LINE Pay documents \"5m\"", table, c.CodeTTL)
	case c.Timeout <= 0:
		return fmt.Errorf("%s.timeout is %s: set it above zero; LINE Pay asks for at least \"40s\"", table, c.Timeout)
	case c.SettleMargin < 0 || c.SettleMargin > MaxSettleMargin:
		return fmt.Errorf("%s.settle_margin is %s: set it between 0 and %s, or leave it out for %s", table, c.SettleMargin, MaxSettleMargin, DefaultSettleMargin)
	}
	return nil
}

// Limits are the code lifetime and the per-request timeout.
func (c *Config) Limits() providers.Limits {
	return providers.Limits{CodeTTL: c.CodeTTL, Timeout: c.Timeout}
}

// Open makes the wallet; the config must have been provisioned.
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
		Rules:     gateway.RulesOf(Name),
	})
}
