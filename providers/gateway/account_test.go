package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

func TestAccount(t *testing.T) {
	const table = "providers.somewallet"
	env := providers.Env{LookupEnv: func(k string) (string, bool) {
		if k == "ACC" {
			return "acc-from-env", true
		}
		return "", false
	}}
	good := func() gateway.Account {
		return gateway.Account{BaseURL: "https://gw.example", AuthKey: "auth-inline", AccKeyEnv: "ACC"}
	}
	tests := []struct {
		name          string
		mod           func(*gateway.Account)
		provisionErr  string
		validateErr   string
		codeTTL, wait time.Duration
	}{
		{name: "defaults", mod: func(*gateway.Account) {}, codeTTL: gateway.DefaultCodeTTL, wait: gateway.DefaultTimeout},
		{name: "own limits", mod: func(a *gateway.Account) { a.CodeTTL, a.Timeout = 2*time.Minute, 5*time.Second }, codeTTL: 2 * time.Minute, wait: 5 * time.Second},
		{name: "no auth key", mod: func(a *gateway.Account) { a.AuthKey = "" }, provisionErr: table + ".auth_key is not set"},
		{name: "acc key twice", mod: func(a *gateway.Account) { a.AccKey = "x" }, provisionErr: table + ".acc_key is set more than once"},
		{name: "no base_url", mod: func(a *gateway.Account) { a.BaseURL = "" }, validateErr: table + ".base_url is empty: set it"},
		{name: "base_url not a URL", mod: func(a *gateway.Account) { a.BaseURL = "gw.example" }, validateErr: table + ".base_url \"gw.example\" is not an http(s) URL"},
		{name: "short code_ttl", mod: func(a *gateway.Account) { a.CodeTTL = time.Millisecond }, validateErr: table + ".code_ttl 1ms is too short"},
		{name: "short timeout", mod: func(a *gateway.Account) { a.Timeout = -time.Second }, validateErr: table + ".timeout -1s is too short: set it to at least \"1s\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := good()
			tc.mod(&a)
			err := a.Provision(env, table)
			if tc.provisionErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.provisionErr) {
					t.Fatalf("Provision = %v, want %q", err, tc.provisionErr)
				}
				if err := a.Validate(table); err == nil || !strings.Contains(err.Error(), table+".auth_key or acc_key is not provisioned") {
					t.Fatalf("Validate after a failed Provision = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			err = a.Validate(table)
			if tc.validateErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.validateErr) {
					t.Fatalf("Validate = %v, want %q", err, tc.validateErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l := a.Limits(); l != (providers.Limits{CodeTTL: tc.codeTTL, Timeout: tc.wait}) {
				t.Fatalf("Limits = %+v", l)
			}
			c, err := a.Client(env, table)
			if err != nil || c == nil {
				t.Fatalf("Client = %v, %v", c, err)
			}
		})
	}
}

// A client is only made from a provisioned account, and its error names
// the table.
func TestAccountClientNeedsProvision(t *testing.T) {
	a := gateway.Account{BaseURL: "https://gw.example", AuthKey: "a", AccKey: "b"}
	if _, err := a.Client(providers.Env{}, "providers.x"); err == nil || !strings.HasPrefix(err.Error(), "providers.x: ") {
		t.Fatalf("Client before Provision = %v", err)
	}
	ready := a.WithSecrets("a", "b")
	if err := ready.Validate("providers.x"); err == nil || !strings.Contains(err.Error(), "code_ttl") {
		t.Fatalf("WithSecrets leaves the limits to Provision: %v", err)
	}
	if _, err := ready.Client(providers.Env{}, "providers.x"); err != nil {
		t.Fatal(err)
	}
	if err := ready.Provision(providers.Env{}, "providers.x"); err != nil || ready.Validate("providers.x") != nil {
		t.Fatalf("Provision of a ready account = %v", err)
	}
}
