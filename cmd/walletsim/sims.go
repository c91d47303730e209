package main

import (
	"bytes"
	"log/slog"
	"sort"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/scanpay/scanpay/providers/easywallet/easywallettest"
	"github.com/scanpay/scanpay/providers/ipass/ipasstest"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/linepay/linepaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// simulators are the wallets walletsim runs, by registry name.
var simulators = map[string]func(wallettest.Options) wallettest.Simulator{
	"jkopay":     func(o wallettest.Options) wallettest.Simulator { return jkopaytest.New(o) },
	"easywallet": func(o wallettest.Options) wallettest.Simulator { return easywallettest.New(o) },
	"ipass":      func(o wallettest.Options) wallettest.Simulator { return ipasstest.New(o) },
	"linepay":    func(o wallettest.Options) wallettest.Simulator { return linepaytest.New(o) },
}

type simOptions struct {
	codeTTL        time.Duration
	acceptUnissued bool
	log            *slog.Logger
}

// Sims are the running simulators.
type Sims map[string]wallettest.Simulator

func startSims(o simOptions) (Sims, error) {
	sims := Sims{}
	for name, start := range simulators {
		sims[name] = start(wallettest.Options{CodeTTL: o.codeTTL, AcceptUnissued: o.acceptUnissued, Logger: o.log.With("wallet", name)})
	}
	return sims, nil
}

func (s Sims) Close() {
	for _, sim := range s {
		sim.Close()
	}
}

func (s Sims) names() []string {
	var names []string
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Wallet is one simulator as a scanpay config needs it.
type Wallet struct {
	BaseURL string         `json:"base_url"`
	Config  map[string]any `json:"config"` // the [providers.<name>] table
}

// State is walletsim.json.
type State struct {
	Control       string            `json:"control"` // the control API's base URL
	PID           int               `json:"pid"`
	Wallets       map[string]Wallet `json:"wallets"`
	ProvidersTOML string            `json:"providers_toml"` // the [providers.*] tables, ready to paste
}

func (s Sims) state(control string, pid int) (State, error) {
	st := State{Control: control, PID: pid, Wallets: map[string]Wallet{}}
	tables := map[string]any{}
	for _, name := range s.names() {
		t, err := wallettest.ConfigTable(s[name], "")
		if err != nil {
			return st, err
		}
		st.Wallets[name] = Wallet{BaseURL: s[name].URL(), Config: t}
		tables[name] = t
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"providers": tables}); err != nil {
		return st, err
	}
	st.ProvidersTOML = buf.String()
	return st, nil
}
