package hooks

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/scanpay/scanpay/internal/fspath"
	"github.com/scanpay/scanpay/store"
)

// Hook kinds.
const (
	KindExec    = "exec"
	KindFile    = "file"
	KindWebhook = "webhook"
)

// DefaultOn lists the states a hook hears about when its config names none:
// the outcomes a receipt is printed or booked for.
var DefaultOn = []store.State{store.Approved, store.Declined, store.Voided, store.Reversed, store.Refunded}

// DefaultTimeout bounds one delivery when the config names none.
const DefaultTimeout = 10 * time.Second

// Config is one [[hooks]] table of the configuration file.
type Config struct {
	Name    string        `toml:"name"`    // unique; defaults to the kind
	Kind    string        `toml:"kind"`    // exec | file | webhook
	On      []string      `toml:"on"`      // states; default approved, declined, voided, reversed, refunded
	Timeout time.Duration `toml:"timeout"` // per delivery; default 10s
	Dir     string        `toml:"dir"`     // file: the folder receipts are written to
	Command []string      `toml:"command"` // exec: program and arguments
	Env     []string      `toml:"env"`     // exec: names of variables passed on from scanpay's environment
	URL     string        `toml:"url"`     // webhook: a loopback http(s) URL
}

// HookName is the name deliveries are journaled under: Name, or the kind
// when no name is set.
func (c Config) HookName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Kind
}

// Validate checks one hook's settings. index is its position among the
// [[hooks]] tables; every error names hooks[index].<key> and the fix.
func (c Config) Validate(index int) error {
	key := func(k string) string { return fmt.Sprintf("hooks[%d].%s", index, k) }
	for _, s := range c.On {
		if !store.State(s).Valid() {
			return fmt.Errorf("%s contains %q, which is not a payment state: use some of %v", key("on"), s, store.States)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("%s is negative: set a positive duration such as \"10s\", or leave it out for 10s", key("timeout"))
	}
	if strings.ContainsAny(c.HookName(), "/\\") {
		return fmt.Errorf("%s %q contains a slash: use letters, digits and dashes", key("name"), c.HookName())
	}
	switch c.Kind {
	case KindExec:
		if len(c.Command) == 0 || c.Command[0] == "" {
			return fmt.Errorf("%s is empty: set it to the program and its arguments, e.g. [\"/usr/local/bin/print-receipt\"]", key("command"))
		}
		// Windows runs a batch script through cmd.exe (see windowsCommand).
		if kind, err := winKind(c.Command[0]); err == nil && kind == winBatch {
			for i, a := range c.Command {
				if err := checkBatchArg(key(fmt.Sprintf("command[%d]", i)), a); err != nil {
					return err
				}
			}
		}
		for _, n := range c.Env {
			if !envName.MatchString(n) {
				return fmt.Errorf("%s contains %q, which is not an environment variable name: list names only, such as \"PRINTER_NAME\" (set their values in the service's environment)", key("env"), n)
			}
		}
	case KindFile:
		if c.Dir == "" {
			return fmt.Errorf("%s is empty: set it to the folder receipts are written to, e.g. \"receipts\"", key("dir"))
		}
	case KindWebhook:
		if err := checkLoopbackURL(c.URL); err != nil {
			return fmt.Errorf("%s: %w", key("url"), err)
		}
	case "":
		return fmt.Errorf("%s is empty: set it to \"exec\", \"file\" or \"webhook\"", key("kind"))
	default:
		return fmt.Errorf("%s is %q: set it to \"exec\", \"file\" or \"webhook\"", key("kind"), c.Kind)
	}
	if len(c.Env) > 0 && c.Kind != KindExec {
		return fmt.Errorf("%s is for kind = \"exec\": remove it", key("env"))
	}
	return nil
}

// ValidateAll validates every hook and that no two share a name (the name
// keys the journal's outbox).
func ValidateAll(cs []Config) error {
	seen := map[string]int{}
	for i, c := range cs {
		if err := c.Validate(i); err != nil {
			return err
		}
		if j, dup := seen[c.HookName()]; dup {
			return fmt.Errorf("hooks[%d].name %q is also the name of hooks[%d]: give each hook its own name", i, c.HookName(), j)
		}
		seen[c.HookName()] = i
	}
	return nil
}

// checkLoopbackURL refuses anything but http(s) to this machine: a receipt
// names amounts and orders, and must not leave the store PC by accident.
func checkLoopbackURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("is empty: set it to a local URL such as \"http://127.0.0.1:9000/receipts\"")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL: use one such as \"http://127.0.0.1:9000/receipts\"", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%q is not on this machine: receipts may only go to localhost, 127.0.0.1 or [::1]; use a local relay to forward them", raw)
}

// Receipt is what a hook is given: the payment as the POS sees it (code
// masked). Payment and Refund hold the engine's views (edge.PaymentView,
// edge.RefundView); they are typed loosely only so that this package need
// not import the engine.
type Receipt struct {
	DeliveryID string      `json:"delivery_id"` // also the Idempotency-Key: a receiver drops repeats by it
	Hook       string      `json:"hook"`
	State      store.State `json:"state"`
	PaymentID  string      `json:"payment_id"`
	RefundID   string      `json:"refund_id,omitempty"`
	Sandbox    bool        `json:"sandbox,omitempty"`
	Payment    any         `json:"payment"`
	Refund     any         `json:"refund,omitempty"`
}

// Hook delivers receipts for the states it listens for.
type Hook interface {
	Name() string
	On(s store.State) bool
	Deliver(ctx context.Context, r Receipt) error
}

// New builds the hook c describes. Relative dir and command paths are taken
// from baseDir, the configuration file's folder (a service does not start
// in it).
func New(c Config, baseDir string) (Hook, error) {
	if err := c.Validate(0); err != nil {
		return nil, err
	}
	b := base{name: c.HookName(), timeout: c.Timeout}
	if b.timeout == 0 {
		b.timeout = DefaultTimeout
	}
	if len(c.On) == 0 {
		b.on = slices.Clone(DefaultOn)
	} else {
		for _, s := range c.On {
			b.on = append(b.on, store.State(s))
		}
	}
	switch c.Kind {
	case KindExec:
		cmd := slices.Clone(c.Command)
		// A bare program name is looked up in PATH; a path with a folder in
		// it is the config's own script.
		if strings.ContainsAny(cmd[0], `/\`) {
			cmd[0] = fspath.Resolve(baseDir, cmd[0])
		}
		return &execHook{base: b, command: cmd, env: slices.Clone(c.Env)}, nil
	case KindFile:
		dir := fspath.Resolve(baseDir, c.Dir)
		removeStaleTemps(dir)
		return &fileHook{base: b, dir: dir}, nil
	default:
		return newWebhook(b, c.URL), nil
	}
}

type base struct {
	name    string
	on      []store.State
	timeout time.Duration
}

func (b base) Name() string           { return b.name }
func (b base) On(s store.State) bool  { return slices.Contains(b.on, s) }
func (b base) Timeout() time.Duration { return b.timeout }
func (b base) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.timeout)
}
