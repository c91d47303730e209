// Package e2e tests scanpay end to end: the real scanpay binary, built
// once, configured by a TOML file, reading a serial scanner on a real
// pseudo-terminal, paying through the wallet simulators running in their
// own process (cmd/walletsim), and driven over its POS API by HTTP — then
// killed with SIGKILL mid-payment and restarted, with the simulators'
// ledgers as the truth it is checked against.
//
// The same checks run on scanpay.exe, the Windows build, under Wine
// (wine_test.go, prepared by .ci/wine/setup.sh; skipped without Wine,
// failed without it under SCANPAY_REQUIRE_WINE=1, which .ci/run sets).
//
// It owns no production code; it must not reach into scanpay's packages
// beyond their public wire formats (the POS API's JSON, walletsim's
// control API).
package e2e
