package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/scanpay/scanpay/store"
)

// result is the part of `scanpay bench --json` the table uses.
type result struct {
	Payments   int      `json:"payments"`
	Approved   int      `json:"approved"`
	PerSecond  float64  `json:"payments_per_second"`
	Added      *pct     `json:"added"`
	ScanToWire *pct     `json:"scan_to_wire"`
	RSSIdle    *float64 `json:"rss_idle_mb"`
	RSSPeak    *float64 `json:"rss_peak_mb"`
	AnonIdle   *float64 `json:"rss_anon_idle_mb"`
	AnonPeak   *float64 `json:"rss_anon_peak_mb"`
	CPUPer     *float64 `json:"cpu_per_payment_ms"`
	CPU        *float64 `json:"cpu_seconds"`
	BenchCPU   *float64 `json:"bench_cpu_seconds"`
	Seconds    float64  `json:"seconds"`
	StartMs    *float64 `json:"start_ms"`
}

type pct struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

func main() {
	dur := flag.Duration("duration", 5*time.Second, "each bench run")
	idle := flag.Duration("idle", 10*time.Second, "how long idle CPU is watched")
	total := flag.Int("journal", 100000, "payments in the recovery journal")
	open := flag.Int("open", 10000, "of which open")
	rate := flag.Int("rate", 100, "payments/s in all for the paced 32-lane run")
	flag.Parse()
	work, err := os.MkdirTemp("", "scanpay-perf-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "scanpay")
	gen := filepath.Join(work, "genjournal")
	run("go", "build", "-o", bin, "./cmd/scanpay")
	run("go", "build", "-o", gen, "./bench/genjournal")

	say("floor: raw bbolt fsync'd commits and the store's payment path")
	floor := run("go", "test", "-run", "^$", "-bench", "Journal/(raw|payment)/goroutines=(1|32)$", "-benchtime", "1s", "./store/")
	say("1 lane")
	one := bench(bin, "--lanes", "1", "--duration", dur.String())
	say("32 lanes")
	many := bench(bin, "--lanes", "32", "--duration", dur.String())
	say("32 lanes paced to %d payments/s", *rate)
	paced := bench(bin, "--lanes", "32", "--rate", fmt.Sprint(*rate), "--duration", dur.String())
	say("1 lane through a pty scanner")
	scan := bench(bin, "--lanes", "1", "--scanner", "--duration", dur.String())
	say("recovery: generating a %d-payment journal with %d open", *total, *open)
	dir := filepath.Join(work, "recover")
	run(gen, "-out", filepath.Join(dir, "data", "journal.db"), "-payments", fmt.Sprint(*total), "-open", fmt.Sprint(*open))
	cold := filepath.Join(work, "recover-cold")
	copyFile(filepath.Join(dir, "data", "journal.db"), filepath.Join(cold, "data", "journal.db"))
	say("recovery: scanpay bench on it (1 lane while the open payments are settled)")
	rec := bench(bin, "--dir", dir, "--lanes", "1", "--duration", dur.String())
	say("recovery again on a copy out of the page cache, as after a reboot")
	var recCold *result
	if _, err := runErr(gen, "-drop-cache", "-out", filepath.Join(cold, "data", "journal.db")); err == nil {
		r := bench(bin, "--dir", cold, "--lanes", "1", "--duration", dur.String())
		recCold = &r
	} else {
		say("(skipped: %v)", err)
	}
	say("recovery benchmark (store): paged against all at once")
	recb := run("go", "test", "-run", "^$", "-bench", "RecoverOpen", "-benchtime", "3x", "./store/")
	say("idle CPU over %s", idle)
	ticks := idleTicks(bin, filepath.Join(work, "idle"), *idle)

	raw1 := metric(floor, `raw-bbolt-update/goroutines=1-\S*\s.*?([\d.]+) commits/s`)
	raw32 := metric(floor, `raw-bbolt-update/goroutines=32-\S*\s.*?([\d.]+) commits/s`)
	j1 := metric(floor, `payment/goroutines=1/\S*\s.*?([\d.]+) payments/s`)
	j32 := metric(floor, `payment/goroutines=32/\S*\s.*?([\d.]+) payments/s`)
	pagedHeap := metric(recb, `RecoverOpen/paged-\S*\s.*?([\d.]+) peak-heap-MB`)
	allHeap := metric(recb, `RecoverOpen/all-at-once-\S*\s.*?([\d.]+) peak-heap-MB`)
	pagedRSS := metric(recb, `RecoverOpen/paged-\S*\s.*?([\d.]+) rss-MB`)
	allRSS := metric(recb, `RecoverOpen/all-at-once-\S*\s.*?([\d.]+) rss-MB`)

	fmt.Printf("\n%s, %d CPUs, %s, each bench run %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), runtime.GOOS+"/"+runtime.GOARCH, *dur)
	fmt.Println("| | measured | target | floor, same run |")
	fmt.Println("|---|---|---|---|")
	ratio := many.PerSecond / one.PerSecond
	fmt.Printf("| 1 lane | %.0f payments/s | keep | journal alone, 1 writer: %s payments/s (4 commits each); raw bbolt: %s commits/s |\n", one.PerSecond, j1, raw1)
	fmt.Printf("| 32 lanes | %.0f payments/s = **%.1f× one lane** | ≥ 4× | journal alone, 32 writers: %s payments/s; raw bbolt, 32 writers: %s commits/s |\n", many.PerSecond, ratio, j32, raw32)
	fmt.Printf("| added latency p99, 32 lanes back to back | %s | ≤ 10 ms | p50 %s: mostly waiting in line, 32 ÷ %.0f payments/s = %.0f ms |\n", ms(many.Added, true), ms(many.Added, false), many.PerSecond, 32000/many.PerSecond)
	fmt.Printf("| added latency p99, 32 lanes paced to %d payments/s | %s | ≤ 10 ms | p50 %s; %.0f payments/s reached |\n", *rate, ms(paced.Added, true), ms(paced.Added, false), paced.PerSecond)
	fmt.Printf("| added latency p99, 1 lane | %s | | p50 %s |\n", ms(one.Added, true), ms(one.Added, false))
	fmt.Printf("| scan→wire p99, 1 lane | %s | ≤ 5 ms | p50 %s; 2 fsync'd commits (queued with the code, in_flight) come before the send |\n", ms(scan.ScanToWire, true), ms(scan.ScanToWire, false))
	fmt.Printf("| RSS idle | %s (anon %s) | ≤ 20 MB | |\n", mb(one.RSSIdle), mb(one.AnonIdle))
	fmt.Printf("| RSS under 32-lane load | %s (anon %s) | ≤ 40 MB | |\n", mb(many.RSSPeak), mb(many.AnonPeak))
	fmt.Printf("| RSS recovering %d open in a %d journal | %s (anon %s) | ≤ 40 MB | store benchmark: heap %s MB paged vs %s MB at once; anon RSS %s vs %s MB |\n",
		*open, *total, mb(rec.RSSPeak), mb(rec.AnonPeak), pagedHeap, allHeap, pagedRSS, allRSS)
	if recCold != nil {
		fmt.Printf("| RSS recovering, journal not in the page cache (after a reboot) | %s (anon %s) | ≤ 40 MB | |\n", mb(recCold.RSSPeak), mb(recCold.AnonPeak))
	}
	fmt.Printf("| start, %d journal (API answers) | %s | ≤ 200 ms | empty journal: %s |\n", *total, msv(rec.StartMs), msv(one.StartMs))
	if recCold != nil {
		fmt.Printf("| start, %d journal not in the page cache | %s | ≤ 200 ms | |\n", *total, msv(recCold.StartMs))
	}
	fmt.Printf("| CPU per payment | %s (1 lane), %s (32 lanes) | | 32 lanes: scanpay used %s cores, the bench (client and wallet) %s, of %d |\n",
		msv(one.CPUPer), msv(many.CPUPer), cores(many.CPU, many.Seconds), cores(many.BenchCPU, many.Seconds), runtime.NumCPU())
	var batches []string
	for _, m := range regexp.MustCompile(`payment/goroutines=32/batch=(\S+?)-\S*\s.*?([\d.]+) payments/s`).FindAllStringSubmatch(floor, -1) {
		batches = append(batches, m[1]+": "+m[2])
	}
	fmt.Printf("| most writes per group commit, journal alone at 32 writers | %s payments/s | | scanpay uses %d |\n", strings.Join(batches, "; "), store.DefaultMaxBatchSize)
	fmt.Printf("| idle CPU over %s | %d ticks | ≈ 0 | |\n", *idle, ticks)
}

func bench(bin string, args ...string) result {
	out := run(bin, append([]string{"bench", "--json"}, args...)...)
	var r result
	check(json.Unmarshal([]byte(out), &r))
	if r.Approved != r.Payments {
		check(fmt.Errorf("scanpay bench %v: %d of %d approved", args, r.Approved, r.Payments))
	}
	return r
}

// idleTicks starts a SANDBOX scanpay, waits a second, then counts the CPU
// clock ticks it uses over d (Linux; -1 elsewhere).
func idleTicks(bin, dir string, d time.Duration) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "run", "--sandbox", "--no-monitor", "--data-dir", dir, "--listen", addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	check(cmd.Start())
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	time.Sleep(time.Second)
	t0 := ticks(cmd.Process.Pid)
	time.Sleep(d)
	t1 := ticks(cmd.Process.Pid)
	if t0 < 0 || t1 < 0 {
		return -1
	}
	return t1 - t0
}

func ticks(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return u + s
}

func metric(out, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		return "?"
	}
	return m[1]
}

func ms(p *pct, p99 bool) string {
	if p == nil {
		return "n/a"
	}
	if p99 {
		return fmt.Sprintf("%.2f ms", p.P99)
	}
	return fmt.Sprintf("%.2f ms", p.P50)
}

func msv(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f ms", *v)
}

func cores(cpu *float64, secs float64) string {
	if cpu == nil || secs <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", *cpu/secs)
}

func mb(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", *v)
}

func run(name string, args ...string) string {
	out, err := runErr(name, args...)
	check(err)
	return out
}

func runErr(name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Benchmark") {
			fmt.Fprintln(os.Stderr, "   ", l)
		}
	}
	return out.String(), nil
}

func copyFile(from, to string) {
	check(os.MkdirAll(filepath.Dir(to), 0o700))
	in, err := os.Open(from)
	check(err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	check(err)
	_, err = io.Copy(out, in)
	check(err)
	check(out.Close())
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "== "+format+"\n", args...) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "perf:", err)
		os.Exit(1)
	}
}
