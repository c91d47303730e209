package posapi

import (
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/store"
)

// The report routes answer what edge/report computes (its own test proves
// the arithmetic on a hand-computed day): here, the wire forms, the CSV's
// headers and the refusals.
func TestReportRoutes(t *testing.T) {
	eng := newFakeEngine("lane-1")
	ts := startServer(t, eng)
	for _, amount := range []string{"120", "80"} {
		if a := call(t, "POST", ts.url+"/v1/payments", `{"terminal_id":"lane-1","order_number":"o`+amount+`","amount":`+amount+`}`, nil); a.status != 201 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
	}
	eng.settle(eng.waitForPayment(1), store.Approved)
	eng.settle(eng.waitForPayment(2), store.Declined)

	var d report.Daily
	a := call(t, "GET", ts.url+"/v1/reports/daily?date=2026-11-21", "", nil)
	if a.status != 200 {
		t.Fatalf("daily: %d %s", a.status, a.body)
	}
	a.decode(t, &d)
	if d.Total != (report.Totals{Count: 1, Gross: 120, Net: 120}) || d.States["declined"] != 1 || d.Payments != 2 {
		t.Errorf("daily = %+v", d)
	}
	if a := call(t, "GET", ts.url+"/v1/reports/daily", "", nil); a.status != 200 || !strings.Contains(string(a.body), `"date":"2026-11-21"`) {
		t.Errorf("daily without a date is today's: %d %s", a.status, a.body)
	}

	a = call(t, "GET", ts.url+"/v1/reports/payments?from=2026-11-21&to=2026-11-22&format=csv", "", nil)
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", a.status, a.header)
	}
	lines := strings.Split(strings.TrimSpace(string(a.body)), "\n")
	if len(lines) != 3 || lines[0] != strings.Join(report.Header, ",") ||
		!strings.Contains(lines[1], ",120,0,approved") || !strings.Contains(lines[2], ",80,0,declined") {
		t.Errorf("csv body:\n%s", a.body)
	}

	for _, tc := range []struct{ url, want string }{
		{"/v1/reports/daily?date=21.11.2026", "YYYY-MM-DD"},
		{"/v1/reports/daily?day=2026-11-21", "unknown query parameter"},
		{"/v1/reports/daily?date=9999-12-31", "between 2000-01-01 and 2199-12-31"},
		{"/v1/reports/payments?from=2026-11-22&to=2026-11-21", "not before"},
		{"/v1/reports/payments?from=2026-11-21", "both from and to"},
		{"/v1/reports/payments?from=2026-11-21&to=2026-11-22&format=xlsx", "format=csv"},
	} {
		a := call(t, "GET", ts.url+tc.url, "", nil)
		if a.status != 400 || a.errCode(t) != "invalid_request" || !strings.Contains(string(a.body), tc.want) {
			t.Errorf("GET %s = %d %s; want 400 saying %q", tc.url, a.status, a.body, tc.want)
		}
	}
	if a := call(t, "GET", ts.url+"/v1/reports/daily", "", map[string]string{"Authorization": ""}); a.status != 401 {
		t.Errorf("a report without the token: %d", a.status)
	}
}
