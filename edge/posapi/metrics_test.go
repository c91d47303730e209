package posapi

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	business "github.com/scanpay/scanpay/internal/metrics"
	"github.com/scanpay/scanpay/store"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The exposition for a fixed engine state, a fixed series of requests and
// of what the engine observed (the business series of internal/metrics,
// registered as the daemon does), compared with testdata/metrics.golden
// (like node_exporter's e2e golden). Go runtime and process metrics vary
// and are left out.
func TestMetricsGolden(t *testing.T) {
	eng := newFakeEngine("AB123456")
	eng.health = edge.Health{
		OK: true, Sandbox: true,
		Pending:       map[string]int{"queued": 2, "unknown": 1},
		Hooks:         map[string]string{"receipts": "ok", "erp": "Post \"http://127.0.0.1:9/\": connection refused"},
		Problems:      []string{"hook erp failing"},
		EventsDropped: 3,
	}
	ts := startServerWith(t, eng, fakeDevices{
		{Device: "front", Kind: "serial", Lane: "AB123456", Connected: true},
		{Device: "back", Kind: "hid", Lane: "AB123457"},
	})
	journal := filepath.Join(t.TempDir(), "journal.db")
	if err := os.WriteFile(journal, make([]byte, 32768), 0o600); err != nil {
		t.Fatal(err)
	}
	biz := business.New(business.Build{Version: "1.2.0", Commit: "abc1234", Sandbox: true}, journal, nil)
	if err := biz.Register(ts.Registry()); err != nil {
		t.Fatal(err)
	}
	biz.PaymentFinal("jkopay", store.Approved, 120)
	biz.PaymentFinal("jkopay", store.Approved, 80)
	biz.PaymentFinal("ipass", store.Declined, 55)
	biz.PaymentFinal("", store.Cancelled, 30)
	biz.WalletCall("jkopay", edge.CallPay, 300*time.Millisecond)
	biz.WalletCall("jkopay", edge.CallPay, 4*time.Second)
	biz.WalletCall("ipass", edge.CallResolve, 40*time.Millisecond)
	biz.Scan("AB123456", "payment")
	biz.Scan("AB123456", "passthrough")
	biz.HookDelivery("receipts", true)
	biz.HookDelivery("erp", false)
	call(t, "POST", ts.url+"/v1/payments", checkout, nil)
	call(t, "POST", ts.url+"/v1/payments", checkout, nil)
	call(t, "GET", ts.url+"/v1/payments/nope", "", nil)
	call(t, "GET", ts.url+"/v1/devices", "", map[string]string{"Authorization": ""})
	call(t, "GET", ts.url+"/nowhere", "", nil)
	call(t, "GET", ts.url+"/healthz", "", nil)

	a := call(t, "GET", ts.url+"/metrics", "", nil)
	if a.status != 200 {
		t.Fatalf("metrics: %d %s", a.status, a.body)
	}
	if !bytes.Contains(a.body, []byte("go_goroutines")) {
		t.Error("the Go runtime collector is missing")
	}
	var ours bytes.Buffer
	for _, line := range strings.Split(string(a.body), "\n") {
		if strings.HasPrefix(line, "scanpay_") || strings.HasPrefix(line, "# HELP scanpay_") || strings.HasPrefix(line, "# TYPE scanpay_") {
			ours.WriteString(line + "\n")
		}
	}
	golden := filepath.Join("testdata", "metrics.golden")
	if *update {
		if err := os.WriteFile(golden, ours.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestMetricsGolden -update ./edge/posapi/ to create it)", err)
	}
	if !bytes.Equal(ours.Bytes(), want) {
		t.Errorf("metrics differ from %s\ngot:\n%s\nwant:\n%s", golden, ours.String(), want)
	}
}

func TestMetricRouteSplitsTheMethod(t *testing.T) {
	for _, tt := range []struct{ pattern, method, wantMethod, wantRoute string }{
		{"POST /v1/payments", "POST", "POST", "/v1/payments"},
		{"GET /v1/payments/{id}", "HEAD", "GET", "/v1/payments/{id}"},
		{"", "DELETE", "DELETE", "unmatched"},
		{"", "BREW", "other", "unmatched"}, // a client's made-up method is no label value
	} {
		m, r := metricRoute(tt.pattern, tt.method)
		if m != tt.wantMethod || r != tt.wantRoute {
			t.Errorf("metricRoute(%q, %q) = %q, %q; want %q, %q", tt.pattern, tt.method, m, r, tt.wantMethod, tt.wantRoute)
		}
	}
}
