package posapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/scanpay/scanpay/store"
)

// metrics is the server's own registry (no global state): request counts
// by route and status, and the engine's health read at scrape time.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
}

func newMetrics(h HealthReporter, dev Devices) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "scanpay_api_requests_total",
			Help: "POS API requests answered, by HTTP method, route pattern and HTTP status.",
		}, []string{"method", "route", "code"}),
	}
	m.reg.MustRegister(m.requests, healthCollector{h, dev},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// metricRoute splits a mux pattern ("POST /v1/payments") into the method
// and route labels. An unmatched request's method is the client's to
// choose, so only the usual ones become a label value.
func metricRoute(pattern, method string) (string, string) {
	if m, path, ok := strings.Cut(pattern, " "); ok {
		return m, path
	}
	if pattern != "" {
		return "any", pattern
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method, "unmatched"
	}
	return "other", "unmatched"
}

var (
	descHealthy = prometheus.NewDesc("scanpay_healthy",
		"1 when the engine reports itself healthy: no problem needs a person (scanpay_problems is 0).", nil, nil)
	descSandbox = prometheus.NewDesc("scanpay_sandbox",
		"1 when scanpay runs in SANDBOX mode (simulated wallets, no real money).", nil, nil)
	descPending = prometheus.NewDesc("scanpay_payments_pending",
		"Payments not yet final, by state.", []string{"state"}, nil)
	descHookFailing = prometheus.NewDesc("scanpay_hook_failing",
		"1 when the receipt hook's last delivery failed.", []string{"hook"}, nil)
	descProblems = prometheus.NewDesc("scanpay_problems",
		"Problems the engine currently reports that need a person (read them with GET /v1/status, scanpay status or the log).", nil, nil)
	descDropped = prometheus.NewDesc("scanpay_events_dropped_total",
		"Events a slow event-stream reader (GET /v1/events) lost since start; nothing else is lost with them.", nil, nil)
	descScanner = prometheus.NewDesc("scanpay_scanner_connected",
		"1 while the configured scanner is connected.", []string{"lane", "device"}, nil)
)

// healthCollector turns edge.Health into gauges at scrape time, so the
// numbers are the engine's, never a second bookkeeping.
type healthCollector struct {
	h   HealthReporter
	dev Devices // nil: no scanners
}

func (c healthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descHealthy
	ch <- descSandbox
	ch <- descPending
	ch <- descHookFailing
	ch <- descProblems
	ch <- descDropped
	ch <- descScanner
}

func (c healthCollector) Collect(ch chan<- prometheus.Metric) {
	h := c.h.Health()
	ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, b2f(h.OK))
	ch <- prometheus.MustNewConstMetric(descSandbox, prometheus.GaugeValue, b2f(h.Sandbox))
	// Every non-final state is exported, zero included, so a dashboard's
	// series do not vanish when a queue drains.
	for _, st := range store.States {
		if st.Final() {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(h.Pending[string(st)]), string(st))
	}
	names := make([]string, 0, len(h.Hooks))
	for name := range h.Hooks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ch <- prometheus.MustNewConstMetric(descHookFailing, prometheus.GaugeValue, b2f(h.Hooks[name] != "ok"), name)
	}
	ch <- prometheus.MustNewConstMetric(descProblems, prometheus.GaugeValue, float64(len(h.Problems)))
	ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(h.EventsDropped))
	if c.dev != nil {
		for _, d := range c.dev.Status() {
			ch <- prometheus.MustNewConstMetric(descScanner, prometheus.GaugeValue, b2f(d.Connected), d.Lane, d.Device)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
