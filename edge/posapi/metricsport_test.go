package posapi

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The metrics port answers /metrics without the token, and nothing else:
// no API route, no foreign Host, no browser page; and it binds loopback
// only.
func TestMetricsPort(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	ln, err := ListenLoopback("metrics.listen", "127.0.0.1:0", DefaultMetricsListen)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.ServeMetrics(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	get := func(path string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics", nil); code != 200 || !strings.Contains(body, "scanpay_healthy 1") {
		t.Errorf("GET /metrics without token: %d, want 200 with scanpay_healthy", code)
	}
	for _, tt := range []struct {
		name, path string
		hdr        map[string]string
		want       int
	}{
		{"an API route", "/v1/status", nil, 404},
		{"a foreign Host", "/metrics", map[string]string{"Host": "evil.example:9464"}, 421},
		{"a browser page", "/metrics", map[string]string{"Origin": "http://evil.example"}, 403},
	} {
		if code, _ := get(tt.path, tt.hdr); code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeMetrics: %v", err)
	}
	for _, bad := range []string{"0.0.0.0:9464", "192.168.1.5:9464", "metrics.example:9464", "9464"} {
		if _, err := ListenLoopback("metrics.listen", bad, DefaultMetricsListen); err == nil || !strings.Contains(err.Error(), "metrics.listen") {
			t.Errorf("ListenLoopback(%q) = %v, want an error naming metrics.listen", bad, err)
		}
	}
}
