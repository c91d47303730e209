// Package providers is everything scanpay knows about wallets: the Wallet
// interface the engine calls, the registry wallets add themselves to, and
// the classification of a scanned code into a wallet (or into "not a
// payment", or "unknown").
//
// Each wallet lives in its own sub-package (jkopay, easywallet, ipass, linepay) that
// registers itself, speaks that wallet's exact wire format
// (per the wallet's spec), and owns its rule for settling an unknown outcome.
// Beside each is a …test package with a strict simulator of the wallet's
// API, used by tests and by SANDBOX mode.
//
// This package must not know about scanners, bbolt or the POS API.
package providers
