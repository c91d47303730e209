package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/loadgen"
	"github.com/scanpay/scanpay/edge"
)

// TestBenchJSON runs the real binary's bench briefly, through the API and
// through ptys, and checks what its JSON says, not how fast it was.
func TestBenchJSON(t *testing.T) {
	bin := scanpayBinary(t)
	for _, tt := range []struct {
		name    string
		args    []string
		scanner bool
	}{
		{"api", []string{"--lanes", "3", "--payments", "24"}, false},
		{"scanner", []string{"--lanes", "2", "--payments", "10", "--scanner", "--rate", "40"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.scanner && runtime.GOOS == "windows" {
				t.Skip("--scanner needs pseudo-terminals, which Windows does not have")
			}
			var out, errb bytes.Buffer
			cmd := exec.Command(bin, append([]string{"bench", "--json"}, tt.args...)...)
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("scanpay bench: %v\n%s%s", err, out.String(), errb.String())
			}
			var r loadgen.Result
			dec := json.NewDecoder(&out)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&r); err != nil {
				t.Fatalf("bench --json is not a Result: %v\n%s", err, out.String())
			}
			wantN := map[bool]int{false: 24, true: 10}[tt.scanner]
			if r.Payments != wantN || r.Approved != wantN || r.Errors != 0 || r.NotFinal != 0 {
				t.Errorf("payments %d approved %d errors %d not final %d, want %d approved and nothing else (first error: %s)", r.Payments, r.Approved, r.Errors, r.NotFinal, wantN, r.FirstError)
			}
			if r.Target != "started" || r.Wallet != "jkopay" || (r.Input == "scanner") != tt.scanner || (r.Rate == 40) != tt.scanner {
				t.Errorf("target %q wallet %q input %q rate %v", r.Target, r.Wallet, r.Input, r.Rate)
			}
			if r.Seconds <= 0 || r.PerSecond <= 0 {
				t.Errorf("seconds %v, payments/s %v: want both above zero", r.Seconds, r.PerSecond)
			}
			ordered := func(name string, p *loadgen.Percentiles) {
				if p == nil {
					t.Errorf("%s missing", name)
					return
				}
				if !(0 < p.P50 && p.P50 <= p.P95 && p.P95 <= p.P99 && p.P99 <= p.Max) {
					t.Errorf("%s percentiles not ordered above zero: %+v", name, *p)
				}
			}
			ordered("total", &r.Total)
			ordered("added", r.Added)
			ordered("wallet_time", r.WalletTime)
			if t.Failed() {
				return
			}
			if r.Added.P50 > r.Total.P50 || r.WalletTime.P50 > r.Total.P50 {
				t.Errorf("added p50 %v or wallet p50 %v above total p50 %v", r.Added.P50, r.WalletTime.P50, r.Total.P50)
			}
			if tt.scanner {
				ordered("scan_to_wire", r.ScanToWire)
			} else if r.ScanToWire != nil {
				t.Errorf("scan_to_wire %+v without --scanner", *r.ScanToWire)
			}
			if r.StartMs == nil || *r.StartMs <= 0 {
				t.Errorf("start_ms %v", r.StartMs)
			}
			if runtime.GOOS == "linux" {
				if r.RSSIdleMB == nil || r.RSSPeakMB == nil || r.CPUPerPaymentMs == nil {
					t.Fatalf("RSS/CPU missing on Linux: %s", out.String())
				}
				// CPU is counted in 10 ms ticks: a short run may show none.
				if r.BenchCPUSeconds == nil || *r.BenchCPUSeconds < 0 {
					t.Errorf("bench_cpu_seconds %v, want the bench's own CPU", r.BenchCPUSeconds)
				}
				if *r.RSSIdleMB <= 1 || *r.RSSPeakMB < *r.RSSIdleMB || *r.CPUPerPaymentMs < 0 {
					t.Errorf("RSS idle %v MB, peak %v MB, CPU/payment %v ms", *r.RSSIdleMB, *r.RSSPeakMB, *r.CPUPerPaymentMs)
				}
			}
		})
	}
}

// TestBenchRefusesBadOptions: each wrong flag is named with its fix, and
// nothing is started.
func TestBenchRefusesBadOptions(t *testing.T) {
	bin := scanpayBinary(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--lanes", "0"}, "--lanes must be 1 or more"},
		{[]string{"--duration", "0s"}, "give --duration"},
		{[]string{"--wallet", "paypal"}, "use jkopay, easywallet or ipass"},
		{[]string{"--rate", "-1"}, "--rate must be 0"},
		{[]string{"--pid", "1"}, "go with --addr"},
		{[]string{"--addr", "10.0.0.1:8727"}, "not a loopback address"},
	} {
		var errb bytes.Buffer
		cmd := exec.Command(bin, append([]string{"bench"}, tt.args...)...)
		cmd.Stderr = &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("bench %v: %v, stderr %q; want exit %d saying %q", tt.args, err, errb.String(), exitUsage, tt.want)
		}
	}
}

// TestBenchRunningScanpay: with --addr the bench drives a running SANDBOX
// scanpay (its wallets in its own process): total latency only, memory
// and CPU from --pid.
func TestBenchRunningScanpay(t *testing.T) {
	d, cfg := sandboxDaemon(t, edge.Config{}, io.Discard)
	var out, errOut bytes.Buffer
	c := newCLI(strings.NewReader(""), &out, &errOut)
	code := c.run(t.Context(), []string{"bench", "--addr", d.Addr(), "--token-file", cfg.API.TokenFile,
		"--pid", fmt.Sprint(os.Getpid()), "--lanes", "2", "--payments", "8", "--json"})
	if code != exitOK {
		t.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
	}
	var r loadgen.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if r.Target != "running" || r.Payments != 8 || r.Approved != 8 || r.Added != nil || r.WalletTime != nil || r.StartMs != nil {
		t.Errorf("got %+v; want 8 approved on the running scanpay, with no wallet split and no start time", r)
	}
	if !(r.Total.P50 > 0 && r.Total.P50 <= r.Total.P99) {
		t.Errorf("total latency %+v", r.Total)
	}
	if runtime.GOOS == "linux" && (r.RSSPeakMB == nil || r.CPUSeconds == nil) {
		t.Errorf("--pid given on Linux, but no RSS or CPU: %s", out.String())
	}
}
