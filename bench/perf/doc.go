// Command perf measures scanpay side by side in one run and prints the
// results table of docs/performance.md: the real binary at 1 and 32
// lanes (scanpay bench), scan→wire through a pty, start and memory while
// recovering a 100k-payment journal with 10k open, idle CPU, and beside
// them the floor: raw bbolt fsync'd commits per second on the same disk
// and the store's recovery benchmark. bench/run.sh runs it.
//
// It owns only the orchestration and the table; every figure comes from
// scanpay bench --json or go test -bench.
package main
