package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/loadgen"
)

func (c *cli) cmdBench(ctx context.Context, args []string) int {
	fs := c.newFlagSet("bench", `Measure scanpay on this PC, like redis-benchmark or pgbench. By default it
starts its own scanpay (this program, as `+"`scanpay run`"+`) in a temporary
folder, with the SANDBOX wallet simulator hosted by the bench so that the
wallet's time and memory are not counted as scanpay's, and drives --lanes
lanes, each paying one payment after another through the POS API: create
with the barcode, then long-poll until final. With --scanner each lane has
a serial scanner on a pseudo-terminal, and the code is scanned instead.
Lanes paying back to back measure the most the PC can do, and their
latency is mostly waiting in line (lanes ÷ payments/s); --rate paces
them to a store's real rush to see the latency a cashier would.

It prints payments per second; the latency the POS sees (total), the
wallet's share and scanpay's own (added = total - wallet) at p50/p95/p99;
with --scanner the time from the scan to the pay request arriving at the
wallet; and scanpay's memory (RSS, idle and peak) and CPU per payment
(Linux; "n/a" elsewhere). Nothing is charged. With --addr it drives a
running SANDBOX scanpay instead (its payments stay in its journal; give
--pid for its memory and CPU).`, "scanpay bench --lanes 32 --duration 10s")
	lanes := fs.Int("lanes", 1, "lanes paying at the same time")
	duration := fs.Duration("duration", 10*time.Second, "how long to run (unless --payments)")
	rate := fs.Float64("rate", 0, "pace the lanes to this many payments per second in all (default: each lane as fast as it can)")
	payments := fs.Int("payments", 0, "stop after this many payments in all (overrides --duration)")
	scanner := fs.Bool("scanner", false, "scan each code through a serial scanner on a pseudo-terminal (Linux, macOS)")
	wallet := fs.String("wallet", "jkopay", "the simulated wallet to pay with: jkopay, easywallet or ipass")
	workers := fs.Int("workers", 0, "the started scanpay's workers setting (default: its own default)")
	dir := fs.String("dir", "", "keep the started scanpay's configuration, journal and log in this folder (default: a temporary folder, removed)")
	addr := fs.String("addr", "", "drive a running SANDBOX scanpay at this loopback address instead of starting one")
	tokenFile := fs.String("token-file", "", "with --addr: its bearer token file (default: api.token_file of the SANDBOX configuration)")
	pid := fs.Int("pid", 0, "with --addr: its process id, to read its memory and CPU")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if code, done := c.parse(fs, args); done {
		return code
	}
	o := loadgen.Options{Lanes: *lanes, Duration: *duration, Payments: *payments, Scanner: *scanner, Wallet: *wallet, Workers: *workers, Rate: *rate, Dir: *dir, PID: *pid}
	if *addr != "" {
		if err := checkLoopbackAddr(*addr); err != nil {
			return c.fail(&config.Error{Err: err})
		}
		tf := *tokenFile
		if tf == "" {
			cfg, err := config.Sandbox("")
			if err != nil {
				return c.fail(err)
			}
			tf = cfg.API.TokenFile
		}
		token, err := readTokenFile(tf)
		if err != nil {
			return c.fail(err)
		}
		o.Addr, o.Token = *addr, token
	} else {
		if *tokenFile != "" || *pid != 0 {
			return c.fail(&config.Error{Err: errors.New("--token-file and --pid go with --addr (a running scanpay): leave them out, or add --addr")})
		}
		exe, err := os.Executable()
		if err != nil {
			return c.fail(fmt.Errorf("cannot find scanpay's own program file to start it: %w", err))
		}
		o.Exe = exe
	}
	res, err := loadgen.Run(ctx, o)
	if errors.Is(err, loadgen.ErrOptions) {
		fmt.Fprintf(c.stderr, "scanpay bench: %v\n", err)
		return exitUsage
	}
	if err != nil {
		return c.clientFail(err)
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return c.fail(err)
		}
	} else {
		loadgen.Print(c.stdout, res)
	}
	if res.Errors > 0 || res.Approved != res.Payments {
		fmt.Fprintf(c.stderr, "scanpay bench: %d of %d payments were not approved (see first_error, and the log in --dir)\n", res.Payments-res.Approved, res.Payments)
		return exitRuntime
	}
	return exitOK
}
