package gateway

import (
	"errors"
	"fmt"
	"time"

	"github.com/scanpay/scanpay/providers"
)

// Defaults of an Account's code_ttl and timeout: a code lifetime of 60 s
// (the gateway's wallets publish none, WALLET-FACTS.md) and 15 s per
// request.
const (
	DefaultCodeTTL = 60 * time.Second
	DefaultTimeout = 15 * time.Second
)

// Account is the gateway account of a wallet reached through the gateway:
// the keys its [providers.<wallet>] table shares with every such wallet.
// Embedded without a tag in the wallet's Config, BurntSushi/toml reads and
// writes its keys as the table's own (base_url, auth_key, …), and its
// Limits is the Config's.
type Account struct {
	BaseURL     string        `toml:"base_url"`
	AuthKey     string        `toml:"auth_key"`
	AuthKeyFile string        `toml:"auth_key_file"`
	AuthKeyEnv  string        `toml:"auth_key_env"`
	AccKey      string        `toml:"acc_key"`
	AccKeyFile  string        `toml:"acc_key_file"`
	AccKeyEnv   string        `toml:"acc_key_env"`
	CodeTTL     time.Duration `toml:"code_ttl"`
	Timeout     time.Duration `toml:"timeout"`

	authKey, accKey string // resolved by Provision
}

// Provision fills code_ttl and timeout and resolves the two keys. table is
// the wallet's table ("providers.easywallet"), named in errors.
func (a *Account) Provision(env providers.Env, table string) error {
	if a.CodeTTL == 0 {
		a.CodeTTL = DefaultCodeTTL
	}
	if a.Timeout == 0 {
		a.Timeout = DefaultTimeout
	}
	var err error
	if a.authKey, err = providers.ResolveSecret(env, table+".auth_key", a.AuthKey, a.AuthKeyFile, a.AuthKeyEnv); err != nil {
		return err
	}
	if a.accKey, err = providers.ResolveSecret(env, table+".acc_key", a.AccKey, a.AccKeyFile, a.AccKeyEnv); err != nil {
		return err
	}
	return nil
}

// Validate names the first bad key of the account and its fix.
func (a *Account) Validate(table string) error {
	if err := CheckBaseURL(table+".base_url", a.BaseURL); err != nil {
		return err
	}
	switch {
	case a.authKey == "" || a.accKey == "":
		return errors.New(table + ".auth_key or acc_key is not provisioned: set both (or their _file/_env keys) to the keys the gateway issued you")
	case a.CodeTTL < time.Second:
		return fmt.Errorf("%s.code_ttl %s is too short: set it to how long a scanned code stays valid, e.g. \"60s\"", table, a.CodeTTL)
	case a.Timeout < time.Second:
		return fmt.Errorf("%s.timeout %s is too short: set it to at least \"1s\" (default \"15s\")", table, a.Timeout)
	}
	return nil
}

// Limits are the code lifetime and the per-request timeout.
func (a *Account) Limits() providers.Limits {
	return providers.Limits{CodeTTL: a.CodeTTL, Timeout: a.Timeout}
}

// Client makes the account's gateway client: its HTTP client bounded by
// timeout unless env brings one. Provision must have succeeded.
func (a *Account) Client(env providers.Env, table string) (*Client, error) {
	c, err := New(Options{
		BaseURL: a.BaseURL, AuthKey: a.authKey, AccKey: a.accKey,
		HTTP: env.Client(a.Timeout), Logger: env.Log(),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", table, err)
	}
	return c, nil
}

// WithSecrets returns a copy of a with both keys set inline and already
// resolved, for simulators and tests that hand out ready configurations.
// Provision keeps them when no other source is set.
func (a Account) WithSecrets(authKey, accKey string) Account {
	a.AuthKey, a.AccKey = authKey, accKey
	a.authKey, a.accKey = authKey, accKey
	return a
}
