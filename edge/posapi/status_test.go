package posapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
)

// TestStatus: GET /v1/status needs the token (its problems name payments,
// orders and wallets), and then gives the engine's whole report with the
// scanners; with nothing wrong, problems is an empty array, never null or
// absent, so a script can count it. It answers 200 even when the engine is
// not OK: liveness is /healthz's job.
func TestStatus(t *testing.T) {
	problems := []string{
		"payment pay-1 (order 42) must be given back but wallet ipass refused (0001 declined): give it back by hand in the wallet's merchant portal",
		"wallet jkopay refused scanpay's credentials or configuration: bad key",
	}
	for _, tt := range []struct {
		name    string
		health  edge.Health
		sandbox bool
		auth    string
		status  int
		want    []string // substrings of the body
		none    []string // what must not be in it
	}{
		{name: "no token", health: edge.Health{OK: true, Problems: problems}, auth: "", status: 401,
			want: []string{`"code":"unauthorized"`}, none: []string{"pay-1", "jkopay"}},
		{name: "wrong token", health: edge.Health{OK: true, Problems: problems}, auth: "Bearer " + strings.Repeat("0", 64), status: 401,
			want: []string{`"code":"unauthorized"`}, none: []string{"pay-1", "jkopay"}},
		{name: "problems", auth: "Bearer " + testToken, status: 200,
			health: edge.Health{OK: true, Pending: map[string]int{"unknown": 1, "reversing": 1}, Hooks: map[string]string{"file": "ok"}, Problems: problems},
			want:   []string{`"ok":true`, `"sandbox":false`, `"unknown":1`, `"file":"ok"`, `"problems":["payment pay-1`, `"devices":[{"device":"ttyACM0"`}},
		{name: "nothing wrong", auth: "Bearer " + testToken, status: 200, sandbox: true,
			health: edge.Health{OK: true},
			want:   []string{`"sandbox":true`, `"pending":{}`, `"hooks":{}`, `"problems":[]`}},
		{name: "unhealthy is still 200", auth: "Bearer " + testToken, status: 200,
			health: edge.Health{OK: false, Problems: []string{"the journal /x/j.db cannot be read: boom"}},
			want:   []string{`"ok":false`, `"problems":["the journal /x/j.db cannot be read: boom"]`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			eng := newFakeEngine()
			eng.health = tt.health
			s, err := newServer(Config{Listen: "127.0.0.1:0"}, eng, fakeDevices{{Device: "ttyACM0", Kind: "serial", Lane: "AB123456", Connected: true}}, testToken, nil, tt.sandbox, defaultTimeouts)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", "http://127.0.0.1/v1/status", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := newRecorder()
			s.Handler().ServeHTTP(rec, req)
			body := rec.body.String()
			if rec.status != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %s", w, body)
				}
			}
			for _, n := range tt.none {
				if strings.Contains(body, n) {
					t.Errorf("body holds %s: %s", n, body)
				}
			}
		})
	}
}

// TestStatusOverHTTP: the route is served by a real listening server and
// decodes into Status, problems in the engine's order.
func TestStatusOverHTTP(t *testing.T) {
	eng := newFakeEngine()
	eng.health = edge.Health{OK: true, Pending: map[string]int{"unknown": 2}, Hooks: map[string]string{}, Problems: []string{"a", "b"}}
	ts := startServer(t, eng, withSandbox)
	if a := call(t, "GET", ts.url+"/v1/status", "", map[string]string{"Authorization": ""}); a.status != 401 {
		t.Errorf("without a token: %d %s", a.status, a.body)
	}
	a := call(t, "GET", ts.url+"/v1/status", "", nil)
	var st Status
	a.decode(t, &st)
	if a.status != 200 || !st.OK || !st.Sandbox || st.Pending["unknown"] != 2 || !slices.Equal(st.Problems, []string{"a", "b"}) || st.Devices == nil {
		t.Errorf("status: %d %+v", a.status, st)
	}
}
