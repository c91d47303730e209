package daemon

import (
	"log/slog"

	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// startSimulators starts the four wallets' simulators on loopback ports
// for SANDBOX mode. AcceptUnissued: a code from a printed test sheet or a
// real phone counts as fresh the first time it is seen; nothing is charged
// anywhere but in the simulators' own ledgers.
func startSimulators(log *slog.Logger) (map[string]wallettest.Simulator, error) {
	opts := func(name string) wallettest.Options {
		return wallettest.Options{AcceptUnissued: true, Logger: log.With("component", "simulator", "wallet", name)}
	}
	sims := map[string]wallettest.Simulator{}
	for _, s := range []wallettest.Simulator{
		jkopaytest.New(opts("jkopay")),
		easywallettest.New(opts("easywallet")),
		ipasstest.New(opts("ipass")),
		linepaytest.New(opts("linepay")),
	} {
		sims[s.Name()] = s
	}
	log.Info("SANDBOX wallets are simulated in this process; nothing is charged", "jkopay", sims["jkopay"].URL(), "easywallet", sims["easywallet"].URL(), "ipass", sims["ipass"].URL(), "linepay", sims["linepay"].URL())
	return sims, nil
}
