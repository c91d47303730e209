// Package wallettest is the toolkit every wallet simulator is built from:
// injectable faults (Faults), a charge ledger with charge-once-per-key
// semantics (Ledger), a book of payment codes with lifetimes and one-time
// use (Codes), and the HTTP plumbing that turns a fault into what a real
// network does (Kit). Each wallet's …test package (jkopaytest,
// easywallettest, ipasstest) puts its own wire format on top and satisfies
// Simulator. Tests, the engine's crash harness and SANDBOX mode all use the
// simulators, so this is production code, not test scaffolding.
//
// It must not know any wallet's wire format, scanners or bbolt.
//
// # Declines in SANDBOX mode: magic amounts
//
// Every simulator declines a payment whose amount is one of these, with its
// own wallet's nearest code, and charges nothing (see MagicDecline):
//
//	928 TWD  insufficient balance          (RetryScan: another wallet/card may work)
//	906 TWD  payment code expired          (RetryScan: ask for a fresh code)
//	927 TWD  payment code invalid
//	931 TWD  customer's amount limit reached
//	911 TWD  customer's account suspended
//
// The numbers are JKOPay's status codes for the same refusals, so they are
// easy to remember. Any other amount is approved (when the code is fresh).
// Tests can also inject a decline with any wallet code: Fault{Kind: Decline,
// Code: "..."}.
package wallettest
