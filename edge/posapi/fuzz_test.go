package posapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
