package posapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

// FuzzSettleBody throws arbitrary bodies at POST /v1/payments/{id}/settle
// through the real handler and the real engine, each at a fresh unknown
// payment: never a 5xx or a panic; every refusal is JSON with a stable code
// matching its status and leaves the payment unknown; invalid JSON is a
// 400 invalid_request; an accepted body moved the payment exactly as it
// said (outcome, transaction id, note in the history).
func FuzzSettleBody(f *testing.F) {
	r := settleEngine(f)
	s, err := newServer(Config{Listen: "127.0.0.1:0", MaxBody: 4096}, r.eng, nil, testToken, nil, false, defaultTimeouts)
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Add(`{"outcome":"declined","note":"portal: not found — J. Chen"}`)
	f.Add(`{"outcome":"approved","transaction_id":"TX-1","note":"paid"}`)
	f.Add(`{"outcome":"approved","note":"paid"}`)
	f.Add(`{"outcome":"voided","note":"x"}`)
	f.Add(`{"outcome":"reversed","note":"x"}`)
	f.Add(`{"outcome":"declined","note":"  "}`)
	f.Add(`{"outcome":"declined","note":"x","Note":"y"}`)
	n := 0
	f.Fuzz(func(t *testing.T, body string) {
		n++
		id := r.unknownPayment(t, fmt.Sprintf("F-%d", n))
		req, _ := http.NewRequest("POST", "http://127.0.0.1/v1/payments/"+id+"/settle", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		if rec.status >= 500 {
			t.Fatalf("%q: %d %s", body, rec.status, rec.body.String())
		}
		p, err := r.j.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if rec.status >= 300 {
			var e ErrorBody
			if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil || StatusOf(e.Error.Code) != rec.status || e.Error.Message == "" {
				t.Fatalf("%q: %d with error body %q", body, rec.status, rec.body.String())
			}
			if p.State != store.Unknown {
				t.Fatalf("%q: refused with %s but the payment moved to %s", body, e.Error.Code, p.State)
			}
			if !json.Valid([]byte(body)) && e.Error.Code != edge.ErrInvalidRequest && e.Error.Code != ErrTooLarge {
				t.Fatalf("%q: invalid JSON answered %s", body, e.Error.Code)
			}
			return
		}
		var b SettleBody
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatalf("%q accepted but does not decode: %v", body, err)
		}
		want := map[string]store.State{edge.SettleApproved: store.Approved, edge.SettleDeclined: store.Declined}[b.Outcome]
		last := p.History[len(p.History)-1]
		if want == "" || p.State != want || last.Reason != "settled by an operator: "+strings.TrimSpace(b.Note) ||
			p.Answer.TransactionID != strings.TrimSpace(b.TransactionID) || p.FullCode != "" {
			t.Fatalf("%q accepted: payment %s, reason %q, transaction %q", body, p.State, last.Reason, p.Answer.TransactionID)
		}
	})
}
