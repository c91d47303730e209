package edge

import (
	"testing"

	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// simNames are the wallets every engine test runs against, each through
// its strict simulator.
var simNames = []string{"jkopay", "easywallet", "ipass", "linepay"}

func newSim(t testing.TB, name string, opts wallettest.Options) wallettest.Simulator {
	t.Helper()
	switch name {
	case "jkopay":
		return jkopaytest.New(opts)
	case "easywallet":
		return easywallettest.New(opts)
	case "ipass":
		return ipasstest.New(opts)
	case "linepay":
		return linepaytest.New(opts)
	}
	t.Fatalf("no simulator for %s", name)
	return nil
}
