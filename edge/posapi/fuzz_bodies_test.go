package posapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// bodyRoutes are the routes FuzzRequestBodies drives, by the fuzzer's
// route number (taken modulo their count).
var bodyRoutes = []string{"refund", "scan", "cancel"}

// FuzzRequestBodies throws arbitrary bodies at POST /v1/payments/{id}/refund,
// POST /v1/scans and POST /v1/payments/{id}/cancel, through the real
// handler in front of the fake engine: never a 5xx or a panic; every
// refusal is JSON with a stable code matching its status; a body that is
// not valid JSON is a 400 invalid_request (or 413 too_large) that never
// reaches the engine; and what the engine is handed is what the body said.
func FuzzRequestBodies(f *testing.F) {
	f.Add(0, `{"amount":40}`)
	f.Add(0, `{"amount":0}`)
	f.Add(0, `{"amount":"40"}`)
	f.Add(1, `{"terminal_id":"AB123456","code":"2212345678901234AB"}`)
	f.Add(1, `{"terminal_id":" ","code":"x"}`)
	f.Add(2, ``)
	f.Add(2, `{}`)
	f.Add(2, `{"reason":"x"}`)
	f.Fuzz(func(t *testing.T, route int, body string) {
		which := bodyRoutes[((route%len(bodyRoutes))+len(bodyRoutes))%len(bodyRoutes)]
		// A fresh engine and server per input: every input meets the same
		// state (one payment, approved for refund, awaiting its scan else).
		eng := newFakeEngine("AB123456")
		s, err := newServer(Config{Listen: "127.0.0.1:0", MaxBody: 4096}, eng, nil, testToken, nil, false, defaultTimeouts)
		if err != nil {
			t.Fatal(err)
		}
		h := s.Handler()
		created := newRecorder()
		h.ServeHTTP(created, newBenchRequest("POST", "/v1/payments", checkout))
		var p edge.PaymentView
		if err := json.Unmarshal(created.body.Bytes(), &p); err != nil || p.ID == "" {
			t.Fatalf("setup checkout: %d %s", created.status, created.body.String())
		}
		if which == "refund" {
			eng.settle(p.ID, store.Approved)
		}
		path := map[string]string{"refund": "/v1/payments/" + p.ID + "/refund", "scan": "/v1/scans", "cancel": "/v1/payments/" + p.ID + "/cancel"}[which]
		req, _ := http.NewRequest("POST", "http://127.0.0.1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := newRecorder()
		h.ServeHTTP(rec, req)

		if rec.status >= 500 {
			t.Fatalf("%s %q: %d %s", which, body, rec.status, rec.body.String())
		}
		if ct := rec.h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %q: Content-Type %q", which, body, ct)
		}
		eng.mu.Lock()
		after := *eng.payments[p.ID]
		scans := len(eng.scans)
		eng.mu.Unlock()
		reached := scans > 0 || after.RefundedAmount != 0 || len(after.Refunds) > 0 ||
			(which != "refund" && after.State != store.AwaitingScan)
		empty := len(bytes.TrimSpace([]byte(body))) == 0
		if rec.status >= 300 {
			var e ErrorBody
			if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil {
				t.Fatalf("%s %q: %d with a non-JSON body %q", which, body, rec.status, rec.body.String())
			}
			if StatusOf(e.Error.Code) != rec.status || e.Error.Message == "" {
				t.Fatalf("%s %q: status %d with error %+v", which, body, rec.status, e.Error)
			}
			if e.Error.Code == edge.ErrInvalidRequest && reached {
				t.Fatalf("%s %q: refused as invalid_request after the engine acted on it", which, body)
			}
			if !json.Valid([]byte(body)) && !(which == "cancel" && empty) &&
				(rec.status != http.StatusBadRequest || e.Error.Code != edge.ErrInvalidRequest) && e.Error.Code != ErrTooLarge {
				t.Fatalf("%s %q: invalid JSON answered %d %s, want 400 invalid_request", which, body, rec.status, e.Error.Code)
			}
			return
		}
		// Accepted: the body was one valid JSON object (or cancel's empty
		// body), and the engine got exactly what it said.
		if !json.Valid([]byte(body)) && !(which == "cancel" && empty) {
			t.Fatalf("%s %q: invalid JSON accepted with %d", which, body, rec.status)
		}
		switch which {
		case "refund":
			var b RefundBody
			var r edge.RefundView
			if err := json.Unmarshal([]byte(body), &b); err != nil || b.Amount <= 0 {
				t.Fatalf("refund %q accepted, but it is no positive amount (%v)", body, err)
			}
			if err := json.Unmarshal(rec.body.Bytes(), &r); err != nil || r.Amount != b.Amount || after.RefundedAmount != b.Amount {
				t.Fatalf("refund %q: answered %s, engine refunded %d", body, rec.body.String(), after.RefundedAmount)
			}
		case "scan":
			var b ScanBody
			if err := json.Unmarshal([]byte(body), &b); err != nil {
				t.Fatalf("scan %q accepted but does not decode: %v", body, err)
			}
			eng.mu.Lock()
			got := eng.scans[len(eng.scans)-1]
			eng.mu.Unlock()
			if got.Lane != b.TerminalID || got.Code != b.Code {
				t.Fatalf("scan %q reached the engine as lane %q code %q", body, got.Lane, got.Code)
			}
		case "cancel":
			if after.State != store.Cancelled {
				t.Fatalf("cancel %q accepted, payment is %s", body, after.State)
			}
		}
	})
}
