package wallettest

import (
	"bytes"
	"fmt"

	"github.com/BurntSushi/toml"
)

// ConfigTable is the simulator's ready config as a [providers.<name>]
// TOML table: its own config struct encoded with its toml tags, empty keys
// dropped (an empty merchant_key_file beside merchant_key would name two
// secret sources). A process that serves Handler on a listener of its own
// replaces the base URL with baseURL; "" keeps the simulator's.
func ConfigTable(sim Simulator, baseURL string) (map[string]any, error) {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(sim.Config()); err != nil {
		return nil, fmt.Errorf("%s: encoding its config: %w", sim.Name(), err)
	}
	table := map[string]any{}
	if _, err := toml.Decode(buf.String(), &table); err != nil {
		return nil, fmt.Errorf("%s: decoding its config: %w", sim.Name(), err)
	}
	for k, v := range table {
		switch {
		case v == "":
			delete(table, k)
		case baseURL != "" && v == sim.URL():
			table[k] = baseURL
		}
	}
	return table, nil
}
