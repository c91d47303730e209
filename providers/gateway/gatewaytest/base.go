package gatewaytest

import (
	"net/http"

	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// Base is what every simulator of a wallet behind the gateway is built on:
// the wallettest kit (faults, ledger, codes, server), the gateway login
// for one account, and a mux that already serves the login. A simulator
// embeds it, adds its own calls with HandleFunc, and so has every
// wallettest.Simulator method that does not depend on the wallet (all but
// Name and Config). Safe for concurrent use once the calls are added.
type Base struct {
	kit  *wallettest.Kit
	auth *Auth
	mux  *http.ServeMux
}

// NewBase makes the base of a simulator with this kit and these account
// keys. It does not serve: see Serve.
func NewBase(kit *wallettest.Kit, authKey, accKey string) *Base {
	b := &Base{kit: kit, auth: NewAuth(authKey, accKey), mux: http.NewServeMux()}
	b.mux.HandleFunc("POST "+gateway.LoginPath, b.auth.LoginHandler(kit))
	return b
}

// HandleFunc adds one of the wallet's calls.
func (b *Base) HandleFunc(pattern string, h http.HandlerFunc) { b.mux.HandleFunc(pattern, h) }

// Serve starts the kit's loopback server with the simulator's handler.
func (b *Base) Serve() { b.kit.Serve(b.mux) }

// Kit is the simulator's kit.
func (b *Base) Kit() *wallettest.Kit { return b.kit }

// Auth is the gateway login, e.g. to Expire tokens.
func (b *Base) Auth() *Auth { return b.auth }

// URL is the base URL of the kit's server ("" before Serve).
func (b *Base) URL() string { return b.kit.URL() }

// Handler serves the login and the wallet's calls, on a listener of the
// caller's choosing.
func (b *Base) Handler() http.Handler { return b.mux }

// IssueCode draws a fresh payment code in the wallet's shape.
func (b *Base) IssueCode() string { return b.kit.Codes.Issue() }

// Inject queues faults for the next requests of call.
func (b *Base) Inject(call string, f ...wallettest.Fault) { b.kit.Faults.Inject(call, f...) }

// Faults gives access to SetAlways/Clear.
func (b *Base) Faults() *wallettest.Faults { return b.kit.Faults }

// Ledger lists the charges.
func (b *Base) Ledger() []wallettest.Charge { return b.kit.Ledger.Charges() }

// Refunds lists the refunds of the payment with this key (the wallet's
// order number).
func (b *Base) Refunds(key string) []wallettest.Refund { return b.kit.Ledger.Refunds(key) }

// Close stops the server.
func (b *Base) Close() { b.kit.Close() }
