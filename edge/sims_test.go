package edge

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// simNames are the wallets every engine test runs against, each through
// its strict simulator.
var simNames = []string{"jkopay", "easywallet", "ipass", "linepay"}

// linepayTestTTL is the life of the LINE Pay simulator's keys in the
// engine's tests (LINE Pay's own is 5 minutes).
const linepayTestTTL = 3 * time.Second

// refundPart is part, or everything paid where the wallet refunds in
// full only (LINE Pay: its refunds carry no key, see providers/linepay).
func refundPart(r *rig, w string, paid, part int64) int64 {
	if rf, ok := r.e.cfg.Wallets[w].Wallet.(providers.Refunder); ok && !rf.PartialRefunds() {
		return paid
	}
	return part
}

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
		// LINE Pay settles a payment it never booked only once the key's
		// lifetime is over (its documented rule: providers/linepay's
		// doc.go). The engine's tests give its keys a short life so that
		// they end in seconds; a test that names a CodeTTL keeps it.
		if opts.CodeTTL == 0 {
			opts.CodeTTL = linepayTestTTL
		}
		return linepaytest.New(opts)
	}
	t.Fatalf("no simulator for %s", name)
	return nil
}
