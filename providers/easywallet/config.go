package easywallet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// DefaultRefundPath is a GUESS: EasyWallet publishes no refund API for the
// gateway. It follows the pay path's pattern; set refund_path when the
// gateway documents the real one.
const DefaultRefundPath = "/v2/payment/easy/refund"

// PayPath is the documented pay resource.
const PayPath = "/v2/payment/easy/pay"

// table is the configuration table, named in errors.
const table = "providers.easywallet"

// Config is the [providers.easywallet] table: the gateway account
// (base_url, auth_key…, acc_key…, code_ttl, timeout; see gateway.Account)
// and EasyWallet's own keys.
type Config struct {
	gateway.Account
	BranchCode string `toml:"branch_code"`
	BranchName string `toml:"branch_name"`
	PosSN      string `toml:"pos_sn"`
	// OrderTitle is sent as orderTitle when set (optional in the spec).
	OrderTitle string `toml:"order_title"`
	// RefundPath is a guess (see DefaultRefundPath).
	RefundPath string `toml:"refund_path"`
	// DeclineCodes are the returnCodes KNOWN to mean "EasyWallet refused
	// the payment, nothing was charged". A first send's refusal with any
	// other code is Unknown and settled by a resend, whose
	// isDuplicatedPaymentRequest tells the truth, so that a gateway-side
	// timeout code cannot let a second scan charge twice. Default: none
	// (DefaultDeclineCodes), because EasyWallet publishes no code but
	// 00000 (WALLET-FACTS.md); list a code here once EasyWallet or the
	// gateway documents it as a refusal. 00000 is refused.
	DeclineCodes []string `toml:"decline_codes"`
}

// DefaultDeclineCodes is decline_codes when unset: empty, since no refusal
// code is published. A refusal then costs one resend before the cashier
// hears "declined", never a double charge.
func DefaultDeclineCodes() []string { return []string{} }

// Provision fills defaults and resolves the secrets.
func (c *Config) Provision(env providers.Env) error {
	if c.RefundPath == "" {
		c.RefundPath = DefaultRefundPath
	}
	if c.DeclineCodes == nil {
		c.DeclineCodes = DefaultDeclineCodes()
	}
	return c.Account.Provision(env, table)
}

// Validate names the first bad key and its fix.
func (c *Config) Validate() error {
	if err := c.Account.Validate(table); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(c.BranchCode) == "":
		return errors.New("providers.easywallet.branch_code is empty: set it to the branch code EasyWallet registered for this store")
	case !strings.HasPrefix(c.RefundPath, "/"):
		return fmt.Errorf("providers.easywallet.refund_path %q must start with /: e.g. %q", c.RefundPath, DefaultRefundPath)
	}
	for _, code := range c.DeclineCodes {
		switch {
		case code == ReturnOK:
			return errors.New("providers.easywallet.decline_codes lists 00000, which is success: remove it")
		case strings.TrimSpace(code) == "":
			return errors.New("providers.easywallet.decline_codes has an empty code: remove it")
		}
	}
	return nil
}

// Open makes the wallet. Provision and Validate must have succeeded.
func (c *Config) Open(env providers.Env) (providers.Wallet, error) {
	return newWallet(*c, env)
}

// WithSecrets returns a copy of c whose secrets are already resolved, for
// simulators that hand out ready configurations. Provision keeps them when
// no other source is set.
func (c Config) WithSecrets(authKey, accKey string) *Config {
	c.Account = c.Account.WithSecrets(authKey, accKey)
	return &c
}

func init() {
	providers.Register(providers.Driver{
		Name:      Name,
		NewConfig: func() providers.Config { return &Config{} },
		Rules:     gateway.RulesOf(Name),
	})
}
