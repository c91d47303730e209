package gatewaytest

import (
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TOMLKeys decodes doc into cfg, failing t on any key cfg does not read,
// then encodes cfg back (as cmd's effective-config dump does) and returns
// the top-level keys written, sorted and space-separated: a config's key
// set, read and written, in one comparable string.
func TOMLKeys(t testing.TB, doc string, cfg any) string {
	t.Helper()
	md, err := toml.Decode(doc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) != 0 {
		t.Fatalf("keys not read: %v", u)
	}
	var buf strings.Builder
	if err := toml.NewEncoder(&buf).Encode(cfg); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if _, err := toml.Decode(buf.String(), &back); err != nil {
		t.Fatalf("%v in\n%s", err, buf.String())
	}
	keys := make([]string, 0, len(back))
	for k := range back {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}
