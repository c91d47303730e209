package loadgen

import (
	"fmt"
	"io"
)

// Print writes the result for a person.
func Print(w io.Writer, r Result) {
	pace := "as fast as they can"
	if r.Rate > 0 {
		pace = fmt.Sprintf("paced to %.0f payments/s", r.Rate)
	}
	fmt.Fprintf(w, "scanpay bench: %d lane(s) %s, %s input, wallet %s, scanpay %s\n", r.Lanes, pace, r.Input, r.Wallet, r.Target)
	fmt.Fprintf(w, "  payments      %d in %.2fs: %.1f payments/s (%d approved, %d not final, %d errors)\n",
		r.Payments, r.Seconds, r.PerSecond, r.Approved, r.NotFinal, r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error   %s\n", r.FirstError)
	}
	line := func(name string, p *Percentiles, why string) {
		if p == nil {
			fmt.Fprintf(w, "  %-13s n/a (%s)\n", name, why)
			return
		}
		fmt.Fprintf(w, "  %-13s p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n", name, p.P50, p.P95, p.P99, p.Max)
	}
	line("total", &r.Total, "")
	line("added", r.Added, "the bench does not host a running scanpay's wallets")
	line("wallet", r.WalletTime, "the bench does not host a running scanpay's wallets")
	line("scan→wire", r.ScanToWire, "run with --scanner")
	num := func(name string, v *float64, unit string) {
		if v == nil {
			fmt.Fprintf(w, "  %-13s n/a\n", name)
			return
		}
		fmt.Fprintf(w, "  %-13s %.2f %s\n", name, *v, unit)
	}
	num("RSS idle", r.RSSIdleMB, "MB")
	num("RSS peak", r.RSSPeakMB, "MB")
	num("anon idle", r.AnonIdleMB, "MB (RSS without the journal's mapped file)")
	num("anon peak", r.AnonPeakMB, "MB")
	num("CPU", r.CPUSeconds, "s")
	num("CPU/payment", r.CPUPerPaymentMs, "ms")
	num("bench's CPU", r.BenchCPUSeconds, "s (the load generator and the simulated wallet, on the same cores)")
	if r.StartMs != nil {
		num("start", r.StartMs, "ms (until the API answered)")
	}
}
