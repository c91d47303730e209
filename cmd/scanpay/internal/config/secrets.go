package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

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

// placeholder stands in for a secret already reported as missing, in a
// throwaway copy of a wallet's configuration, so Provision goes on to the
// next one. It never reaches a wallet: that copy is discarded.
const placeholder = "scanpay-check-config-placeholder"

// secretErrors turns a wallet's first Provision error into all of them.
// Wallets stop at their first secret problem; an admin fixing the file
// one restart at a time learns of the second key only after fixing the
// first. Each secret problem's key is filled with a placeholder in a fresh
// copy and Provision runs again, until it passes or fails otherwise.
func secretErrors(first error, fresh func() providers.Config, env providers.Env) []error {
	errs := []error{first}
	if fresh == nil {
		return errs
	}
	filled := map[string]bool{}
	err := first
	for range 16 {
		if !errors.Is(err, providers.ErrSecret) {
			break
		}
		wc := fresh()
		key := secretKeyIn(wc, err)
		if key == "" || filled[key] {
			break
		}
		filled[key] = true
		for k := range filled {
			setInline(wc, k, placeholder)
		}
		err = wc.Provision(env)
		if err == nil {
			break
		}
		if errors.Is(err, providers.ErrSecret) {
			errs = append(errs, err)
		}
	}
	return errs
}

// secretKeyIn names the secret (a toml key with a _file sibling) an error
// of providers.ResolveSecret is about: those errors name the full key,
// "providers.<wallet>.<key>", followed by a space or _file/_env.
func secretKeyIn(wc any, err error) string {
	msg := err.Error()
	for _, k := range secretTriples(wc) {
		for _, suffix := range []string{" ", "_file", "_env"} {
			if strings.Contains(msg, "."+k+suffix) {
				return k
			}
		}
	}
	return ""
}

// secretTriples are the toml names K of a struct that also has K_file.
func secretTriples(wc any) []string {
	v := reflect.Indirect(reflect.ValueOf(wc))
	if v.Kind() != reflect.Struct {
		return nil
	}
	names := map[string]bool{}
	for i := 0; i < v.NumField(); i++ {
		names[tomlName(v.Type().Field(i))] = true
	}
	var out []string
	for n := range names {
		if n != "" && names[n+"_file"] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// setInline sets secret key to value and clears its _file and _env.
func setInline(wc any, key, value string) {
	v := reflect.Indirect(reflect.ValueOf(wc))
	if v.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() != reflect.String || !f.CanSet() {
			continue
		}
		switch tomlName(v.Type().Field(i)) {
		case key:
			f.SetString(value)
		case key + "_file", key + "_env":
			f.SetString("")
		}
	}
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// walletTrees gives each configured wallet's table as decoded TOML, for
// the checks that look at its keys by name.
func (c *Config) walletTrees() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, w := range c.Wallets {
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(w.Config); err != nil {
			continue
		}
		var tree map[string]any
		if _, err := toml.Decode(buf.String(), &tree); err != nil {
			continue
		}
		out[w.Name] = tree
	}
	return out
}

// InlineSecrets names the wallet keys whose secret is written in the
// configuration itself ("providers.jkopay.merchant_key"), rather than in a
// _file or an _env: such a file must not be readable by every user.
func (c *Config) InlineSecrets() []string {
	var out []string
	for name, tree := range c.walletTrees() {
		for k, v := range tree {
			s, ok := v.(string)
			_, hasFile := tree[k+"_file"]
			if ok && s != "" && (hasFile || secretName.MatchString(k)) {
				out = append(out, "providers."+name+"."+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// hooksSeeNoWalletKey refuses a hook env key that names the variable a
// wallet key comes from (`*_env`): hooks run other people's programs, and
// a wallet key must never reach one. (Names are compared without case, as
// Windows does.)
func (c *Config) hooksSeeNoWalletKey() error {
	from := map[string]string{} // upper-case variable name → the key it holds
	for name, tree := range c.walletTrees() {
		collectEnvKeys(tree, "providers."+name, from)
	}
	for i, h := range c.Hooks {
		for _, n := range h.Env {
			if key, ok := from[strings.ToUpper(n)]; ok {
				return fmt.Errorf("hooks[%d].env names %s, which holds the wallet key %s: a hook must never see a wallet key; remove %s from env", i, n, key, n)
			}
		}
	}
	return nil
}

func collectEnvKeys(tree map[string]any, path string, from map[string]string) {
	for k, v := range tree {
		switch x := v.(type) {
		case string:
			if strings.HasSuffix(k, "_env") && x != "" {
				from[strings.ToUpper(x)] = path + "." + k
			}
		case map[string]any:
			collectEnvKeys(x, path+"."+k, from)
		}
	}
}
