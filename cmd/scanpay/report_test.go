package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

// TestReportAndCSVAgainstARunningDaemon: one approved and one voidedd
// payment through a real SANDBOX daemon, then `scanpay report` and
// `scanpay payments --from --to --csv` (the arithmetic of a whole day is
// edge/report's test; this is the command line's wiring and output).
func TestReportAndCSVAgainstARunningDaemon(t *testing.T) {
	d, cfg := sandboxDaemon(t, edge.Config{}, io.Discard)
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return invoke(t, nil, append(args, api...)...)
	}
	jko := d.Simulators()["jkopay"]
	if rc, out, errOut := run("pay", "--terminal", "AB123456", "--order", "R-1", "--amount", "250", "--code", jko.IssueCode()); rc != exitOK {
		t.Fatalf("pay: exit %d\n%s%s", rc, out, errOut)
	}
	// The sandbox's JKOPay voids a declined charge: no sale either.
	jko.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.Decline, Code: "101"})
	if rc, out, errOut := run("pay", "--terminal", "AB123456", "--order", "R-2", "--amount", "40", "--code", jko.IssueCode()); rc == exitOK {
		t.Fatalf("declined pay: exit %d\n%s%s", rc, out, errOut)
	}

	rc, out, errOut := run("report", "--json")
	var day report.Daily
	if rc != exitOK || json.Unmarshal([]byte(out), &day) != nil {
		t.Fatalf("report --json: exit %d\n%s%s", rc, out, errOut)
	}
	want := report.Line{Name: "jkopay", Totals: report.Totals{Count: 1, Gross: 250, Net: 250}}
	if len(day.Wallets) != 1 || day.Wallets[0] != want || day.States["voided"] != 1 || day.Payments != 2 {
		t.Errorf("today's report = %+v; want jkopay 1 sale of 250 and one voided", day)
	}
	rc, out, errOut = run("report", "--date", day.Date)
	if rc != exitOK || !strings.Contains(out, "business day "+day.Date) || !strings.Contains(out, "jkopay") || !strings.Contains(out, "250") {
		t.Errorf("report: exit %d\n%s%s", rc, out, errOut)
	}
	if rc, _, errOut := run("report", "--date", "5.12.2026"); rc != exitUsage || !strings.Contains(errOut, "YYYY-MM-DD") {
		t.Errorf("report with a bad date: exit %d %s", rc, errOut)
	}

	next := day.From.AddDate(0, 0, 1).Format(time.DateOnly)
	rc, out, errOut = run("payments", "--from", day.Date, "--to", next, "--csv")
	if rc != exitOK {
		t.Fatalf("payments --csv: exit %d %s", rc, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != strings.Join(report.Header, ",") {
		t.Fatalf("CSV (%v):\n%s", err, out)
	}
	if r := recs[1]; r[3] != "AB123456" || r[4] != "R-1" || r[5] != "jkopay" || r[7] == "" || r[8] != "250" || r[10] != "approved" {
		t.Errorf("approved row = %q", r)
	}
	if r := recs[2]; r[4] != "R-2" || r[8] != "40" || r[10] != "voided" {
		t.Errorf("voided row = %q", r)
	}
	rc, out, _ = run("payments", "--from", day.Date, "--to", next)
	if rc != exitOK || !strings.Contains(out, "R-1") || !strings.Contains(out, "R-2") {
		t.Errorf("payments --from --to: exit %d\n%s", rc, out)
	}
	for _, args := range [][]string{{"payments", "--csv"}, {"payments", "--from", day.Date}, {"payments", "--from", day.Date, "--to", next, "--order", "R-1"}} {
		if rc, _, errOut := run(args...); rc != exitUsage {
			t.Errorf("%q: exit %d %s; want %d", args, rc, errOut, exitUsage)
		}
	}
}

// TestPaymentsRefusesCSVWithJSON: the two formats together are a usage
// error, refused before any daemon is asked.
func TestPaymentsRefusesCSVWithJSON(t *testing.T) {
	rc, out, errOut := invoke(t, nil, "payments", "--from", "2026-12-05", "--to", "2026-12-06", "--csv", "--json",
		"--addr", "127.0.0.1:1", "--token-file", filepath.Join(t.TempDir(), "none"))
	if rc != exitUsage || out != "" || !strings.Contains(errOut, "--csv and --json") {
		t.Errorf("payments --csv --json: exit %d, stdout %q, stderr %q; want exit %d naming both flags", rc, out, errOut, exitUsage)
	}
}

// TestReportListsRefundsInProgress: the text report lists each refund of
// the day's payments still in progress, and how to settle an unknown one.
func TestReportListsRefundsInProgress(t *testing.T) {
	d := report.Daily{Date: "2026-12-05", TimeZone: "UTC", States: map[string]int{"approved": 2}, Payments: 2,
		OpenRefunds: []report.OpenRefund{
			{ID: "r-b", PaymentID: "p02", TerminalID: "lane-1", OrderNumber: "order-p02", Wallet: "jkopay", Amount: 50, State: store.RefundUnknown},
			{ID: "r-a", PaymentID: "p06", TerminalID: "lane-1", OrderNumber: "order-p06", Wallet: "easywallet", Amount: 300, State: store.RefundPending},
		}}
	var b strings.Builder
	printDaily(&b, d)
	for _, want := range []string{
		"2 refunds of the day's payments are still in progress",
		"  r-b  of payment p02, lane lane-1, order order-p02, 50 TWD, unknown\n",
		"  r-a  of payment p06, lane lane-1, order order-p06, 300 TWD, pending\n",
		"scanpay settle --refund <refund-id>",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report text lacks %q:\n%s", want, b.String())
		}
	}
}
