// Package loadgen is `scanpay bench`: it drives lanes of payments through
// a scanpay's POS API (and, with scanners, through pseudo-terminals) and
// measures throughput, the latency scanpay adds, scan→wire latency and
// the daemon's memory and CPU.
//
// It owns the load loop, the wallet simulators it hosts for a daemon it
// starts (so their time and memory are not counted as scanpay's), and the
// report. It must not know scanpay's internals: it talks to a separate
// process over the POS API, reads /proc for that process's cost, and sees
// the wallet requests only as they arrive at the simulators.
package loadgen
