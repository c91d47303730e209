package metrics

import (
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// Build labels scanpay_build_info.
type Build struct {
	Version, Commit string
	Sandbox         bool
}

// Metrics is the engine's observer and a set of collectors.
type Metrics struct {
	payments   *prometheus.CounterVec
	amount     *prometheus.CounterVec
	walletCall *prometheus.HistogramVec
	scans      *prometheus.CounterVec
	lanes      *laneLabels
	hooks      *prometheus.CounterVec
	build      prometheus.Gauge
	journal    journalSize
}

var _ edge.Observer = (*Metrics)(nil)

// WalletBuckets cover a wallet request from a fast answer to the longest
// timeout a wallet may be given (2 minutes), in seconds.
var WalletBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120}

// New makes the series. journalPath is the journal file whose size is
// reported ("" for none); lanes are the configured lanes (terminal_ids),
// none when any lane is accepted (see laneLabels).
func New(b Build, journalPath string, lanes []string) *Metrics {
	mode := "production"
	if b.Sandbox {
		mode = "sandbox"
	}
	m := &Metrics{
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scanpay_payments_total",
			Help: "Payments that reached a final state since start, by wallet (none: no code was scanned) and outcome (the first final state: approved, declined, cancelled, expired, voided, reversed); an approval later refunded or reversed stays approved.",
		}, []string{"wallet", "outcome"}),
		amount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scanpay_payment_amount_twd_total",
			Help: "The amounts (whole TWD) of the payments counted in scanpay_payments_total, by wallet and outcome.",
		}, []string{"wallet", "outcome"}),
		walletCall: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "scanpay_wallet_request_duration_seconds",
			Help:    "How long requests to a wallet took, by wallet and call (pay, resolve, void, refund, health), timeouts included.",
			Buckets: WalletBuckets,
		}, []string{"wallet", "call"}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scanpay_scans_total",
			Help: "Scans taken since start, by lane and kind (payment, held, passthrough, ignored, ambiguous); lane is \"(other)\" for a lane not configured, or beyond the first 64 seen when none are.",
		}, []string{"lane", "kind"}),
		hooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scanpay_hook_deliveries_total",
			Help: "Receipt deliveries since start, by hook and result (ok, failed); a failed one is tried again.",
		}, []string{"hook", "result"}),
		build: prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        "scanpay_build_info",
			Help:        "Always 1: the running scanpay's version, commit and mode (production or sandbox).",
			ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "mode": mode},
		}),
		journal: journalSize{path: journalPath},
		lanes:   newLaneLabels(lanes),
	}
	m.build.Set(1)
	return m
}

// Register adds every series to reg.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.payments, m.amount, m.walletCall, m.scans, m.hooks, m.build, m.journal} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// PaymentFinal implements edge.Observer.
func (m *Metrics) PaymentFinal(wallet string, outcome store.State, amount int64) {
	if wallet == "" {
		wallet = "none"
	}
	m.payments.WithLabelValues(wallet, string(outcome)).Inc()
	m.amount.WithLabelValues(wallet, string(outcome)).Add(float64(amount))
}

// WalletCall implements edge.Observer.
func (m *Metrics) WalletCall(wallet, call string, d time.Duration) {
	m.walletCall.WithLabelValues(wallet, call).Observe(d.Seconds())
}

// Scan implements edge.Observer.
func (m *Metrics) Scan(lane, kind string) {
	m.scans.WithLabelValues(m.lanes.label(lane), kind).Inc()
}

// MaxLaneLabels bounds the lane label's values when no lanes are
// configured: the POS may then send any valid terminal_id, and each would
// otherwise be a series of its own for as long as the process runs.
const MaxLaneLabels = 64

// OtherLane is the lane label of the lanes not named: a terminal_id never
// has parentheses (edge.CheckTerminalID), so it is no lane's own name.
const OtherLane = "(other)"

// laneLabels turns a lane into its label value: configured lanes are
// named, and any other is OtherLane; with none configured, the first
// MaxLaneLabels lanes seen are named and the rest are OtherLane.
type laneLabels struct {
	mu    sync.Mutex
	fixed bool // lanes are configured: no other gets a name
	named map[string]bool
}

func newLaneLabels(configured []string) *laneLabels {
	l := &laneLabels{fixed: len(configured) > 0, named: map[string]bool{}}
	for _, id := range configured {
		l.named[id] = true
	}
	return l
}

func (l *laneLabels) label(lane string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.named[lane]:
		return lane
	case l.fixed || len(l.named) >= MaxLaneLabels:
		return OtherLane
	}
	l.named[lane] = true
	return lane
}

// HookDelivery implements edge.Observer.
func (m *Metrics) HookDelivery(hook string, ok bool) {
	result := "failed"
	if ok {
		result = "ok"
	}
	m.hooks.WithLabelValues(hook, result).Inc()
}

var descJournal = prometheus.NewDesc("scanpay_journal_size_bytes",
	"Size of the journal file (bbolt) on disk.", nil, nil)

// journalSize reads the file's size at scrape time; a file that cannot be
// read gives no sample (the journal's own errors are in Health).
type journalSize struct{ path string }

func (j journalSize) Describe(ch chan<- *prometheus.Desc) { ch <- descJournal }

func (j journalSize) Collect(ch chan<- prometheus.Metric) {
	if j.path == "" {
		return
	}
	fi, err := os.Stat(j.path)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descJournal, prometheus.GaugeValue, float64(fi.Size()))
}
