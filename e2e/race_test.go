//go:build linux && race

package e2e

// raceEnabled: the tests run under -race, so the binaries are built with
// it too and a data race in scanpay fails the run.
const raceEnabled = true
