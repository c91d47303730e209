// Command scanpay is the payment service of a store PC: it takes a POS's
// checkout over a localhost HTTP API, reads the customer's mobile-wallet
// code from a scanner, and charges JKOPay, EasyWallet or iPass Money,
// journaling every step so that no payment is lost or taken twice.
//
// This package owns the command line: subcommands, flags, exit codes, and
// which configuration, logger and service wrapper each subcommand uses. The
// work is in cmd/scanpay/internal/... (config, logging, daemon, monitor,
// svc, demo, posclient) and in the engine's packages; this package must not
// know wire formats or payment rules.
//
// Run `scanpay help` for the subcommands and the exit codes.
package main
