package posapi

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The exposition for a fixed engine state and a fixed series of requests,
// compared with testdata/metrics.golden (like node_exporter's e2e golden).
// Go runtime and process metrics vary and are left out.
func TestMetricsGolden(t *testing.T) {
	eng := newFakeEngine("AB123456")
	eng.health = edge.Health{
		OK: true, Sandbox: true,
		Pending:  map[string]int{"queued": 2, "unknown": 1},
		Hooks:    map[string]string{"receipts": "ok", "erp": "Post \"http://127.0.0.1:9/\": connection refused"},
		Problems: []string{"hook erp failing"},
	}
	ts := startServer(t, eng)
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
