// Package daemon wires scanpay together from a loaded configuration: the
// journal (store), the wallets (providers, or their in-process simulators
// in SANDBOX mode), the classifier, the receipt hooks, the engine (edge),
// the scanners (scanner) and the POS API (edge/posapi), and runs them until
// the context ends.
//
// It owns start-up order and shutdown. It must not know a wallet's wire
// format, how a scanner frames a code or how the journal stores a record.
package daemon
