package providers

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/internal/fileperm"
)

// Env is what a wallet may take from its surroundings. Every field is
// optional; the zero value means "the usual thing".
type Env struct {
	HTTPClient *http.Client                // nil → wallet makes its own with Limits.Timeout
	Logger     *slog.Logger                // nil → slog.Default()
	Now        func() time.Time            // nil → time.Now
	Dir        string                      // relative secret-file paths resolve from here (the config file's folder)
	LookupEnv  func(string) (string, bool) // nil → os.LookupEnv
}

// Log returns env.Logger, or slog.Default when none was given.
func (env Env) Log() *slog.Logger {
	if env.Logger != nil {
		return env.Logger
	}
	return slog.Default()
}

// Clock returns env.Now, or time.Now when none was given.
func (env Env) Clock() func() time.Time {
	if env.Now != nil {
		return env.Now
	}
	return time.Now
}

// Client returns env.HTTPClient, or a new client with the given timeout.
func (env Env) Client(timeout time.Duration) *http.Client {
	if env.HTTPClient != nil {
		return env.HTTPClient
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Go keeps 2 idle connections per host by default: with more dispatch
	// workers than that, most wallet requests dialled (and against a real
	// wallet paid a TLS handshake each). Keep as many as can be busy.
	t.MaxIdleConnsPerHost = maxIdlePerWallet
	return &http.Client{Timeout: timeout, Transport: t}
}

// maxIdlePerWallet is how many idle connections a wallet's client keeps:
// as many as the dispatch workers use at once up to 64 (the default is 8;
// the configuration allows up to 256, which would dial again past 64).
const maxIdlePerWallet = 64

func (env Env) lookupEnv(name string) (string, bool) {
	if env.LookupEnv != nil {
		return env.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

// Limits are the per-wallet times the engine plans around.
type Limits struct {
	CodeTTL time.Duration // how long a scanned code stays usable
	Timeout time.Duration // how long one request may take
}

// Config is one wallet's [providers.<name>] TOML table. cmd/ decodes it
// with BurntSushi/toml into the value NewConfig returns, then calls
// Provision, Validate and Open in that order.
type Config interface {
	// Provision fills defaults and reads secrets from their `<key>_file` or
	// `<key>_env` keys (see ResolveSecret).
	Provision(env Env) error
	// Validate names the key and the fix of the first problem.
	Validate() error
	Limits() Limits
	Open(env Env) (Wallet, error)
}

// Driver is what a wallet package registers.
type Driver struct {
	Name      string
	NewConfig func() Config
	Rules     []Rule // its default classification rules
}

// The registry is the one piece of package-level mutable state: wallets add
// themselves from init(), like database/sql drivers.
var (
	registryMu sync.RWMutex
	registry   = map[string]Driver{}
)

// Register adds a wallet driver. It panics on an empty name, a nil
// NewConfig or a duplicate name: all are programming errors found at start.
func Register(d Driver) {
	if d.Name == "" {
		panic("providers: Register with an empty driver name")
	}
	if d.NewConfig == nil {
		panic("providers: Register " + d.Name + " with a nil NewConfig")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[d.Name]; dup {
		panic("providers: Register called twice for " + d.Name)
	}
	registry[d.Name] = d
}

// Lookup finds a registered driver by name.
func Lookup(name string) (Driver, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	d, ok := registry[name]
	return d, ok
}

// Drivers lists the registered drivers sorted by name.
func Drivers() []Driver {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Driver, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DriverRules collects the default classification rules of every
// registered driver, in driver-name order.
func DriverRules() []Rule {
	var rules []Rule
	for _, d := range Drivers() {
		rules = append(rules, d.Rules...)
	}
	return rules
}

// ErrSecret is wrapped by every error of ResolveSecret, so a caller can tell
// a secret problem from others.
var ErrSecret = errors.New("secret")

// ResolveSecret picks a secret from exactly one of its three sources: the
// inline value, a file (path relative to env.Dir, surrounding whitespace
// trimmed, not readable by every user: see readSecretFile) or an
// environment variable. key is the full config key
// ("providers.jkopay.merchant_key"), used in errors. The secret itself never
// appears in an error. A variable read is removed from the process
// environment (see consumed), so that no child process inherits it.
func ResolveSecret(env Env, key, value, file, envVar string) (string, error) {
	set := 0
	for _, s := range []string{value, file, envVar} {
		if s != "" {
			set++
		}
	}
	switch {
	case set == 0:
		return "", fmt.Errorf("%w: %s is not set: set %s, %s_file (a file holding it) or %s_env (an environment variable holding it)",
			ErrSecret, key, key, key, key)
	case set > 1:
		return "", fmt.Errorf("%w: %s is set more than once: keep exactly one of %s, %s_file, %s_env",
			ErrSecret, key, key, key, key)
	}
	switch {
	case file != "":
		return readSecretFile(env, key, file)
	case envVar != "":
		s, ok := env.lookupEnv(envVar)
		if !ok {
			s, ok = consumed.get(envVar)
		}
		if !ok {
			return "", fmt.Errorf("%w: %s_env names the environment variable %q, which is not set: export it to the service, or use %s_file", ErrSecret, key, envVar, key)
		}
		raw := s
		s = strings.TrimSpace(s)
		if s == "" {
			return "", fmt.Errorf("%w: %s_env names the environment variable %q, which is empty: give it the secret", ErrSecret, key, envVar)
		}
		consumed.take(envVar, raw)
		return s, nil
	}
	return value, nil
}

// consumed holds the secret environment variables ResolveSecret has read
// and removed from the process environment, so that no child process
// (a hook, a helper) inherits a wallet key. Reading one again (check-config
// resolves secrets twice, to mask them) answers from here.
var consumed = &consumedEnv{vars: map[string]string{}}

type consumedEnv struct {
	mu   sync.Mutex
	vars map[string]string
}

// take unsets name if the process environment holds value under it (a
// test's own LookupEnv may serve names the process does not have).
func (c *consumedEnv) take(name, value string) {
	if v, ok := os.LookupEnv(name); !ok || v != value {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.vars[name] = value
	os.Unsetenv(name)
}

func (c *consumedEnv) get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vars[name]
	return v, ok
}

// ConsumedEnv returns the secret variables ResolveSecret took out of the
// environment, as NAME=value, for the one child that must have them back:
// scanpay's monitor passes them to the daemon it starts, which reads them
// again. Nothing else may be given them.
func ConsumedEnv() []string {
	consumed.mu.Lock()
	defer consumed.mu.Unlock()
	out := make([]string, 0, len(consumed.vars))
	for k, v := range consumed.vars {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// readSecretFile reads a secret file. It refuses a file every user of the
// PC may read or change: on Unix by its mode bits (the package installs
// /etc/scanpay/secrets as root:scanpay 0640, so the owner and the
// service's group may read it, nobody else), on Windows by its access list
// (Everyone, Users, Authenticated Users). A FIFO or device is refused
// without waiting on it.
// fixSecretRead says how to make a secret file readable by the service
// and nobody else, in the README's layout.
func fixSecretRead(path string) string {
	if runtime.GOOS == "windows" {
		return "make it a plain file the service's account may read (and Everyone, Users and Authenticated Users may not)"
	}
	return fmt.Sprintf("make it a plain file owned root:scanpay, mode 640 (chown root:scanpay %s; chmod 640 %s)", path, path)
}

func readSecretFile(env Env, key, file string) (string, error) {
	path := file
	if !filepath.IsAbs(path) && env.Dir != "" {
		path = filepath.Join(env.Dir, path)
	}
	f, err := fileperm.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s_file %q does not exist: create it holding only the secret (readable by scanpay's account only: %s), or set %s_env instead", ErrSecret, key, path, fileperm.FixRead(path), key)
	}
	if err != nil {
		// The *PathError names only the path, never the content.
		return "", fmt.Errorf("%w: %s_file: %w: %s, or set %s_env instead", ErrSecret, key, err, fixSecretRead(path), key)
	}
	defer f.Close()
	// Asked of the opened file, not the path: it is the file that is read.
	who, err := fileperm.EveryoneMayRead(f)
	if err == nil && who != "" {
		return "", fmt.Errorf("%w: %s_file %q is open to %s: run %s", ErrSecret, key, path, who, fileperm.FixRead(path))
	}
	if err == nil {
		if who, err = fileperm.OthersMayWrite(f); err == nil && who != "" {
			return "", fmt.Errorf("%w: %s_file %q may be changed by %s: run %s", ErrSecret, key, path, who, fileperm.FixWrite(path))
		}
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s_file: %w", ErrSecret, key, err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "", fmt.Errorf("%w: %s_file: %w", ErrSecret, key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%w: %s_file %q is empty: write the secret into it", ErrSecret, key, path)
	}
	return s, nil
}
