package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/vscanner"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// Options for Run.
type Options struct {
	Lanes    int           // concurrent lanes, each one payment at a time
	Duration time.Duration // how long to drive them (ignored when Payments > 0)
	Payments int           // stop after this many payments in all
	Scanner  bool          // scan through a serial scanner on a pty per lane, not the barcode field
	Wallet   string        // jkopay (default), easywallet or ipass
	Workers  int           // the started scanpay's workers setting (0: its default)
	// Rate paces the lanes to this many payments per second in all, each
	// lane starting its payments on its own schedule (a late one starts
	// at once, with no burst to catch up); 0 = each lane as fast as it can.
	Rate float64

	// A scanpay started for the bench: its program file (re-executed as
	// `scanpay run`) and the folder for its journal ("" = a temporary one).
	Exe string
	Dir string
	// Or a running scanpay: its API address and token; PID (optional)
	// lets the bench read its memory and CPU.
	Addr  string
	Token string
	PID   int
}

// Percentiles of a latency, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Result is what the bench measured; the JSON of --json.
type Result struct {
	Target     string  `json:"target"` // "started" (a scanpay of the bench's own) or "running"
	Lanes      int     `json:"lanes"`
	Input      string  `json:"input"` // "api" (barcode in the create request) or "scanner"
	Wallet     string  `json:"wallet"`
	Rate       float64 `json:"rate"` // payments/s asked for in all; 0 = as fast as possible
	Payments   int     `json:"payments"`
	Approved   int     `json:"approved"`
	NotFinal   int     `json:"not_final"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"payments_per_second"`
	// Total is create → final as the POS sees it; Wallet is the time the
	// simulated wallet spent on the payment's requests; Added is Total
	// less Wallet: scanpay's own time. Wallet and Added are nil when the
	// bench does not host the wallets (a running scanpay).
	Total      Percentiles  `json:"total"`
	WalletTime *Percentiles `json:"wallet_time,omitempty"`
	Added      *Percentiles `json:"added,omitempty"`
	// ScanToWire is the bytes written to the scanner's pty → the pay
	// request arriving at the wallet (with --scanner).
	ScanToWire *Percentiles `json:"scan_to_wire,omitempty"`
	// The daemon's cost, from /proc (nil where there is none).
	// RSS is all resident memory; anon leaves out the pages of the
	// journal's memory-mapped file, which the kernel may drop at will.
	RSSIdleMB       *float64 `json:"rss_idle_mb"`
	RSSPeakMB       *float64 `json:"rss_peak_mb"`
	AnonIdleMB      *float64 `json:"rss_anon_idle_mb"`
	AnonPeakMB      *float64 `json:"rss_anon_peak_mb"`
	CPUSeconds      *float64 `json:"cpu_seconds"`
	CPUPerPaymentMs *float64 `json:"cpu_per_payment_ms"`
	// BenchCPUSeconds is the bench's own CPU over the run (its HTTP
	// client and the simulated wallet), on the same cores as scanpay.
	BenchCPUSeconds *float64 `json:"bench_cpu_seconds"`
	// StartMs is how long the started scanpay took until its API answered.
	StartMs *float64 `json:"start_ms,omitempty"`
}

// ErrOptions is wrapped when the options cannot be run.
var ErrOptions = errors.New("bench options")

// Run drives the lanes and measures.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Lanes < 1 {
		return Result{}, fmt.Errorf("%w: --lanes must be 1 or more", ErrOptions)
	}
	if o.Payments <= 0 && o.Duration <= 0 {
		return Result{}, fmt.Errorf("%w: give --duration (like 10s) or --payments (like 1000)", ErrOptions)
	}
	if o.Wallet == "" {
		o.Wallet = "jkopay"
	}
	newSim, ok := simulators[o.Wallet]
	if !ok {
		return Result{}, fmt.Errorf("%w: --wallet %q unknown: use jkopay, easywallet or ipass", ErrOptions, o.Wallet)
	}
	if o.Rate < 0 {
		return Result{}, fmt.Errorf("%w: --rate must be 0 (as fast as possible) or more", ErrOptions)
	}
	res := Result{Target: "started", Lanes: o.Lanes, Input: "api", Wallet: o.Wallet, Rate: o.Rate}
	if o.Scanner {
		res.Input = "scanner"
	}
	lanes := make([]string, o.Lanes)
	for i := range lanes {
		lanes[i] = fmt.Sprintf("BENCH%03d", i+1)
	}

	var probes *wire
	var scanners []*vscanner.Scanner
	if o.Addr != "" {
		if o.Scanner {
			return Result{}, fmt.Errorf("%w: --scanner needs a scanpay the bench starts (its scanners are configured on the bench's ptys): leave --addr out", ErrOptions)
		}
		res.Target = "running"
		probes = newWire(newSim(), false)
		defer probes.sim.Close()
	} else {
		probes = newWire(newSim(), true)
		defer probes.sim.Close()
		if o.Scanner {
			for range lanes {
				s, err := vscanner.Open()
				if err != nil {
					return Result{}, fmt.Errorf("%w: --scanner: %v (leave --scanner out to drive the POS API only)", ErrOptions, err)
				}
				defer s.Close()
				scanners = append(scanners, s)
			}
		}
		d, err := start(ctx, o, lanes, scanners, probes, newSim)
		if err != nil {
			return Result{}, err
		}
		defer d.stop()
		o.Addr, o.Token, o.PID = d.addr, d.token, d.pid
		ms := float64(d.startTime) / float64(time.Millisecond)
		res.StartMs = &ms
	}

	cl := posclient.New(o.Addr, o.Token)
	cl.HTTP = &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2 * o.Lanes,
	}}
	if _, err := cl.Health(ctx); err != nil {
		return Result{}, err
	}

	cpu0 := 0.0
	if o.PID > 0 {
		time.Sleep(200 * time.Millisecond) // let the start settle before calling it idle
		if m, cpu, err := procStats(o.PID); err == nil {
			res.RSSIdleMB, res.AnonIdleMB = ptr(mb(m.rss)), ptr(mb(m.anon))
			cpu0 = cpu
		}
	}
	_, self0, selfErr := procStats(os.Getpid())
	peak := &peakRSS{pid: o.PID}
	stopSampling := peak.sample()

	runCtx := ctx
	if o.Payments <= 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	var (
		left    atomic.Int64
		mu      sync.Mutex
		samples []sample
		wg      sync.WaitGroup
	)
	left.Store(int64(o.Payments))
	began := time.Now()
	for i, lane := range lanes {
		var sc *vscanner.Scanner
		if scanners != nil {
			sc = scanners[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var every time.Duration
			next := began
			if o.Rate > 0 {
				every = time.Duration(float64(o.Lanes) / o.Rate * float64(time.Second))
				next = began.Add(every * time.Duration(i) / time.Duration(o.Lanes))
			}
			for n := 1; runCtx.Err() == nil; n++ {
				if every > 0 {
					select {
					case <-runCtx.Done():
						return
					case <-time.After(time.Until(next)):
					}
					if next = next.Add(every); next.Before(time.Now()) {
						next = time.Now()
					}
				}
				if o.Payments > 0 && left.Add(-1) < 0 {
					return
				}
				s := pay(ctx, cl, probes, sc, lane, n)
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	stopSampling()

	if _, self1, err := procStats(os.Getpid()); err == nil && selfErr == nil {
		res.BenchCPUSeconds = ptr(self1 - self0)
	}
	res.Seconds = elapsed.Seconds()
	res.Payments = len(samples)
	res.PerSecond = float64(len(samples)) / elapsed.Seconds()
	var total, wallet, added, scan []time.Duration
	for _, s := range samples {
		switch {
		case s.err != nil:
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = s.err.Error()
			}
			continue
		case s.state == store.Approved:
			res.Approved++
		case !s.final:
			res.NotFinal++
		}
		total = append(total, s.total)
		if s.probe != nil {
			wallet = append(wallet, s.probe.wallet)
			added = append(added, s.total-s.probe.wallet)
			if sc := s.probe.first.Sub(s.scanned); !s.scanned.IsZero() && !s.probe.first.IsZero() {
				scan = append(scan, sc)
			}
		}
	}
	res.Total = percentiles(total)
	if probes.measured {
		res.WalletTime, res.Added = ptr(percentiles(wallet)), ptr(percentiles(added))
	}
	if o.Scanner {
		res.ScanToWire = ptr(percentiles(scan))
	}
	if o.PID > 0 {
		if m, cpu, err := procStats(o.PID); err == nil {
			p := peak.max()
			res.RSSPeakMB, res.AnonPeakMB = ptr(max(mb(m.rss), mb(p.rss))), ptr(max(mb(m.anon), mb(p.anon)))
			res.CPUSeconds = ptr(cpu - cpu0)
			if res.Payments > 0 {
				res.CPUPerPaymentMs = ptr((cpu - cpu0) * 1000 / float64(res.Payments))
			}
		}
	}
	return res, nil
}

// sample is one payment as a lane saw it.
type sample struct {
	total   time.Duration
	scanned time.Time
	state   store.State
	final   bool
	probe   *probe
	err     error
}

// pay is one checkout: create (with the barcode, or then scan), long-poll
// until final.
func pay(ctx context.Context, cl *posclient.Client, probes *wire, sc *vscanner.Scanner, lane string, n int) sample {
	code, p := probes.issue()
	defer probes.done(code)
	req := edge.CreateRequest{TerminalID: lane, OrderNumber: fmt.Sprintf("%s-%d", lane, n), Amount: 100, Description: "scanpay bench"}
	if sc == nil {
		req.Barcode = code
	}
	var s sample
	began := time.Now()
	v, _, err := cl.CreatePayment(ctx, req, 0)
	if err == nil && sc != nil {
		s.scanned = time.Now()
		err = sc.Type(code)
	}
	if err == nil && !v.Final {
		v, err = cl.WaitFinal(ctx, v.ID, time.Minute)
	}
	s.total = time.Since(began)
	if err != nil {
		s.err = fmt.Errorf("lane %s payment %d: %w", lane, n, err)
		return s
	}
	s.state, s.final = v.State, v.Final
	if p != nil {
		probes.mu.Lock()
		cp := *p
		probes.mu.Unlock()
		s.probe = &cp
	}
	return s
}

func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.5) - 1
		i = min(max(i, 0), len(ds)-1)
		return float64(ds[i]) / float64(time.Millisecond)
	}
	return Percentiles{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: at(1)}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func ptr[T any](v T) *T { return &v }

// peakRSS samples the daemon's resident memory while the lanes run.
type peakRSS struct {
	pid  int
	mu   sync.Mutex
	peak mem
}

// mem is resident memory in bytes: all, and anonymous.
type mem struct{ rss, anon int64 }

func (p *peakRSS) sample() (stop func()) {
	if p.pid <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if m, _, err := procStats(p.pid); err == nil {
					p.mu.Lock()
					p.peak = mem{max(p.peak.rss, m.rss), max(p.peak.anon, m.anon)}
					p.mu.Unlock()
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *peakRSS) max() mem {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}
