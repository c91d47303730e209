package config

import (
	"bytes"
	"sort"

	"github.com/BurntSushi/toml"

	"github.com/scanpay/scanpay/providers"
)

// SecretValues are the resolved secrets of every configured wallet (after
// Provision read them from their files or environment variables), for the
// log's masker: a key logged under any attribute name, or inside a wallet's
// error text, is then replaced.
func (c *Config) SecretValues() []string {
	var out []string
	env := providers.Env{Dir: c.Dir, LookupEnv: c.lookupEnv}
	for _, w := range c.Wallets {
		out = append(out, SecretsOf(w.Config, env)...)
	}
	return out
}

// SecretsOf returns the non-empty secret values of a provisioned wallet
// configuration. Wallets keep the resolved value unexported, so it is read
// back the way Provision produced it: every key K with a K_file or K_env
// sibling is resolved again by providers.ResolveSecret from the same
// sources (env must be the one the configuration was provisioned with);
// a string key check-config redacts (a name ending in key, secret,
// password or token) counts as given inline. A wallet needs no method of
// its own: a new secret is covered as soon as it follows the key /
// key_file / key_env convention.
func SecretsOf(walletConfig any, env providers.Env) []string {
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(walletConfig); err != nil {
		return nil
	}
	var tree map[string]any
	if _, err := toml.Decode(buf.String(), &tree); err != nil {
		return nil
	}
	set := map[string]bool{}
	collectSecrets(tree, env, set)
	delete(set, "")
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func collectSecrets(v any, env providers.Env, set map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			s, ok := val.(string)
			if !ok {
				collectSecrets(val, env, set)
				continue
			}
			file, hasFile := x[k+"_file"].(string)
			envVar, hasEnv := x[k+"_env"].(string)
			switch {
			case hasFile || hasEnv:
				// Errors were reported by Provision; a source that fails
				// now has nothing to mask.
				if v, err := providers.ResolveSecret(env, k, s, file, envVar); err == nil {
					set[v] = true
				}
			case secretName.MatchString(k):
				set[s] = true
			}
		}
	case []map[string]any:
		for _, m := range x {
			collectSecrets(m, env, set)
		}
	case []any:
		for _, m := range x {
			collectSecrets(m, env, set)
		}
	}
}
