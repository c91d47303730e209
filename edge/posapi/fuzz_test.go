package posapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzCreatePaymentBody throws arbitrary bodies at POST /v1/payments: the
// answer is always a known status with a JSON body, and a refusal is
// always one of the API's stable error codes.
func FuzzCreatePaymentBody(f *testing.F) {
	f.Add(checkout)
	f.Add(`{"terminal_id":"AB123456","order_number":"1","amount":1}{}`)
	f.Add(`{"amount":1e400}`)
	f.Add(`[]`)
	eng := newFakeEngine("AB123456")
	s, err := newServer(Config{Listen: "127.0.0.1:0", MaxBody: 4096}, eng, nil, testToken, nil, false, defaultTimeouts)
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		req, _ := http.NewRequest("POST", "http://127.0.0.1/v1/payments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		switch rec.status {
		case 200, 201:
			var v map[string]any
			if err := json.Unmarshal(rec.body.Bytes(), &v); err != nil || v["id"] == nil {
				t.Fatalf("%d without a payment: %s", rec.status, rec.body.String())
			}
		default:
			var e ErrorBody
			if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil {
				t.Fatalf("%d with a non-JSON body %q", rec.status, rec.body.String())
			}
			if StatusOf(e.Error.Code) != rec.status || e.Error.Message == "" {
				t.Fatalf("status %d with error %+v", rec.status, e.Error)
			}
		}
	})
}

// FuzzQueryParams throws arbitrary query strings at the routes that parse
// one (search, ?wait=, ?types=): never a 500, always a JSON answer or the
// event stream, never a wait beyond api.max_wait.
func FuzzQueryParams(f *testing.F) {
	f.Add("/v1/payments", "order_number=42&state=approved&limit=10")
	f.Add("/v1/payments/pay-1", "wait=1ms")
	f.Add("/v1/payments/pay-1", "wait=99999999999999999999")
	f.Add("/v1/events", "types=payment,,scan")
	eng := newFakeEngine("AB123456")
	s, err := newServer(Config{Listen: "127.0.0.1:0", MaxWait: time.Millisecond}, eng, nil, testToken, nil, false, defaultTimeouts)
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	seed := newRecorder()
	h.ServeHTTP(seed, newBenchRequest("POST", "/v1/payments", checkout))
	f.Fuzz(func(t *testing.T, path, query string) {
		switch path {
		case "/v1/payments", "/v1/payments/pay-1", "/v1/events":
		default:
			path = "/v1/payments"
		}
		req, err := http.NewRequest("GET", "http://127.0.0.1"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = query
		req.Header.Set("Authorization", "Bearer "+testToken)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		rec := newRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx)) // the stream ends with ctx
		if rec.status >= 500 {
			t.Fatalf("%s?%s: %d %s", path, query, rec.status, rec.body.String())
		}
		if ct := rec.h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "text/event-stream") {
			t.Fatalf("%s?%s: Content-Type %q", path, query, ct)
		}
	})
}
