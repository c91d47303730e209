package posapi

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkGuard compares, in one run, a request through the whole API
// (Host, token digest, body limit, strict JSON, metrics, request log) with
// the same route handler called bare: the price of the guard per request.
//
//	go test -run '^$' -bench Guard -benchmem ./edge/posapi/
func BenchmarkGuard(b *testing.B) {
	eng := newFakeEngine("AB123456")
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s, err := newServer(Config{Listen: "127.0.0.1:0"}, eng, nil, testToken, log, false, defaultTimeouts)
	if err != nil {
		b.Fatal(err)
	}
	// One payment exists, so a repeated create is the idempotent answer and
	// the engine's cost stays the same in every iteration.
	seed := newRecorder()
	s.Handler().ServeHTTP(seed, newBenchRequest("POST", "/v1/payments", checkout))
	if seed.status != 201 {
		b.Fatalf("seed: %d %s", seed.status, seed.body.String())
	}
	bare := http.NewServeMux()
	for _, rt := range s.routes() {
		bare.Handle(rt.pattern, rt.handler)
	}
	for _, tc := range []struct{ name, method, path, body string }{
		{"create", "POST", "/v1/payments", checkout},
		{"get", "GET", "/v1/payments/pay-1", ""},
	} {
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"guarded", s.Handler()}, {"bare", bare}} {
			b.Run(tc.name+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rec := newRecorder()
					h.h.ServeHTTP(rec, newBenchRequest(tc.method, tc.path, tc.body))
					if rec.status >= 300 {
						b.Fatalf("%d %s", rec.status, rec.body.String())
					}
				}
			})
		}
	}
}

func newBenchRequest(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://127.0.0.1:8727"+path, rd)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	return req
}
