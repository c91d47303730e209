// Command walletsim runs the JKOPay, EasyWallet and iPass Money simulators
// (providers/…/…test) as a process of their own, for end-to-end tests and
// store-side trials: a scanpay under test can be killed and restarted while
// the simulated wallets, and their ledgers, live on, so the ledger is the
// truth a test checks scanpay against.
//
//	walletsim -listen 127.0.0.1:0 -state-dir /tmp/sim
//
// Each wallet listens on its own loopback port. walletsim writes
// <state-dir>/walletsim.json (the control API's URL, each wallet's base URL
// and a ready [providers.<name>] TOML table) and <state-dir>/providers.toml,
// then serves a small control API on -listen:
//
//	GET    /v1/wallets                   the same as walletsim.json
//	POST   /v1/wallets/{name}/codes      issue a fresh payment code: {"code": "..."}
//	POST   /v1/wallets/{name}/faults     queue faults: {"call":"pay","faults":[{"kind":"delay","delay":"5s"}]}
//	DELETE /v1/wallets/{name}/faults     clear queued and standing faults
//	GET    /v1/wallets/{name}/ledger     the charges: {"charges": [...]}
//	GET    /healthz
//
// It owns only this wiring: the wire formats and the ledgers are the
// simulators' own. It must not know scanpay's engine or journal. The
// control API has no token: it is a test tool and listens on loopback only.
package main
