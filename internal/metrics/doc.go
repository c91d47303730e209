// Package metrics holds scanpay's business series for Prometheus: payments
// and their amounts by wallet and outcome, wallet request durations, scans
// by lane and kind, receipt deliveries, the journal's size and the build.
//
// It implements edge.Observer, so the engine tells it what happened once
// it is journaled; it keeps no second bookkeeping of payments and never
// reads the journal. Counters start at 0 with each process, as Prometheus
// counters do (rate() and increase() see the reset); the journal is the
// record. It must not know HTTP: the POS API serves the registry it is
// registered in (edge/posapi), and the daemon a second, token-less
// loopback listener for it (metrics.listen).
package metrics
