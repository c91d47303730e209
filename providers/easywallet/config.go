package easywallet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// DefaultRefundPath is a GUESS: EasyWallet publishes no refund API for the
// gateway. It follows the pay path's pattern; set refund_path when the
// gateway documents the real one.
const DefaultRefundPath = "/v2/payment/easy/refund"

// PayPath is the documented pay resource.
const PayPath = "/v2/payment/easy/pay"

const (
	defaultCodeTTL = 60 * time.Second
	defaultTimeout = 15 * time.Second
)

// Config is the [providers.easywallet] table.
type Config struct {
	BaseURL     string `toml:"base_url"`
	AuthKey     string `toml:"auth_key"`
	AuthKeyFile string `toml:"auth_key_file"`
	AuthKeyEnv  string `toml:"auth_key_env"`
	AccKey      string `toml:"acc_key"`
	AccKeyFile  string `toml:"acc_key_file"`
	AccKeyEnv   string `toml:"acc_key_env"`
	BranchCode  string `toml:"branch_code"`
	BranchName  string `toml:"branch_name"`
	PosSN       string `toml:"pos_sn"`
	// OrderTitle is sent as orderTitle when set (optional in the spec).
	OrderTitle string        `toml:"order_title"`
	CodeTTL    time.Duration `toml:"code_ttl"`
	Timeout    time.Duration `toml:"timeout"`
	// RefundPath is a guess (see DefaultRefundPath).
	RefundPath string `toml:"refund_path"`

	authKey, accKey string // resolved by Provision
}

// Provision fills defaults and resolves the secrets.
func (c *Config) Provision(env providers.Env) error {
	if c.CodeTTL == 0 {
		c.CodeTTL = defaultCodeTTL
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	if c.RefundPath == "" {
		c.RefundPath = DefaultRefundPath
	}
	var err error
	if c.authKey, err = providers.ResolveSecret(env, "providers.easywallet.auth_key", c.AuthKey, c.AuthKeyFile, c.AuthKeyEnv); err != nil {
		return err
	}
	if c.accKey, err = providers.ResolveSecret(env, "providers.easywallet.acc_key", c.AccKey, c.AccKeyFile, c.AccKeyEnv); err != nil {
		return err
	}
	return nil
}

// Validate names the first bad key and its fix.
func (c *Config) Validate() error {
	if err := gateway.CheckBaseURL("providers.easywallet.base_url", c.BaseURL); err != nil {
		return err
	}
	switch {
	case c.authKey == "" || c.accKey == "":
		return errors.New("providers.easywallet.auth_key or acc_key is not provisioned: set both (or their _file/_env keys) to the keys the gateway issued you")
	case strings.TrimSpace(c.BranchCode) == "":
		return errors.New("providers.easywallet.branch_code is empty: set it to the branch code EasyWallet registered for this store")
	case c.CodeTTL < time.Second:
		return fmt.Errorf("providers.easywallet.code_ttl %s is too short: set it to how long a scanned code stays valid, e.g. \"60s\"", c.CodeTTL)
	case c.Timeout < time.Second:
		return fmt.Errorf("providers.easywallet.timeout %s is too short: set it to at least \"1s\" (default \"15s\")", c.Timeout)
	case !strings.HasPrefix(c.RefundPath, "/"):
		return fmt.Errorf("providers.easywallet.refund_path %q must start with /: e.g. %q", c.RefundPath, DefaultRefundPath)
	}
	return nil
}

// Limits are the code lifetime and the per-request timeout.
func (c *Config) Limits() providers.Limits {
	return providers.Limits{CodeTTL: c.CodeTTL, Timeout: c.Timeout}
}

// Open makes the wallet. Provision and Validate must have succeeded.
func (c *Config) Open(env providers.Env) (providers.Wallet, error) {
	return newWallet(*c, env)
}

// WithSecrets returns a copy of c whose secrets are already resolved, for
// simulators that hand out ready configurations. Provision keeps them when
// no other source is set.
func (c Config) WithSecrets(authKey, accKey string) *Config {
	c.AuthKey, c.AccKey = authKey, accKey
	c.authKey, c.accKey = authKey, accKey
	return &c
}

func init() {
	providers.Register(providers.Driver{
		Name:      Name,
		NewConfig: func() providers.Config { return &Config{} },
		Rules:     gateway.RulesOf(Name),
	})
}
