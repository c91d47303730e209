package jkopay_test

import (
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
)

func openWallet(t *testing.T, cfg *jkopay.Config, env providers.Env) *jkopay.Wallet {
	t.Helper()
	if err := cfg.Provision(env); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(env)
	if err != nil {
		t.Fatal(err)
	}
	return w.(*jkopay.Wallet)
}
