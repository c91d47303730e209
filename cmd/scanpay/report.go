package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/edge/report"
)

const reportWhat = `Print a business day's takings (GET /v1/reports/daily): per wallet and
per lane, the count of sales, gross, refunds and net, in whole NT$.

The business day starts at [report] day_starts (default 00:00) in
[report] time_zone (default this PC's): a store that closes at 2 am sets
day_starts = "02:00", and its sales until 01:59 count in the day before.
A sale is a payment that ended approved; its refunds count in refunds
(as of now). Declined, cancelled, expired and reversed payments are no
sales. Payments still open (unknown, reversing…) are listed below the
totals: settle them (scanpay settle) before closing the day.`

// cmdReport is `scanpay report [--date YYYY-MM-DD] [--json]`.
func (c *cli) cmdReport(ctx context.Context, args []string) int {
	fs := c.newFlagSet("report", reportWhat, "scanpay report --date 2026-12-05")
	cf := addClientFlags(fs)
	date := fs.String("date", "", "the business day, YYYY-MM-DD (default: today's)")
	if rc, done := c.parse(fs, args); done {
		return rc
	}
	cl, err := c.client(cf)
	if err != nil {
		return c.fail(err)
	}
	d, err := cl.DailyReport(ctx, *date)
	if err != nil {
		return c.clientFail(err)
	}
	if *cf.json {
		writeJSON(c.stdout, d)
		return exitOK
	}
	printDaily(c.stdout, d)
	return exitOK
}

func printDaily(w io.Writer, d report.Daily) {
	fmt.Fprintf(w, "business day %s: %s to %s (%s)\n", field(d.Date), d.From.Format("2006-01-02 15:04"), d.To.Format("2006-01-02 15:04"), field(d.TimeZone))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, part := range []struct {
		title string
		lines []report.Line
	}{{"WALLET", d.Wallets}, {"LANE", d.Lanes}} {
		fmt.Fprintf(tw, "\n%s\tCOUNT\tGROSS\tREFUNDS\tNET\t\n", part.title)
		for _, l := range part.lines {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", field(l.Name), l.Count, l.Gross, l.Refunds, l.Net)
		}
		fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t\n", d.Total.Count, d.Total.Gross, d.Total.Refunds, d.Total.Net)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d payments in the day:", d.Payments)
	for _, s := range sortedKeys(d.States) {
		fmt.Fprintf(w, " %s %d", field(s), d.States[s])
	}
	fmt.Fprintln(w)
	if len(d.Open) > 0 {
		fmt.Fprintf(w, "\n%d payments are still open; the day's totals change when they settle:\n", len(d.Open))
		for _, o := range d.Open {
			fmt.Fprintf(w, "  %s  lane %s, order %s, %d TWD, %s\n", field(o.ID), field(o.TerminalID), field(o.OrderNumber), o.Amount, field(string(o.State)))
		}
		fmt.Fprintln(w, "settle an unknown one after checking the wallet's portal: scanpay settle <payment-id> --as … --note …")
	}
	if len(d.OpenRefunds) > 0 {
		fmt.Fprintf(w, "\n%d refunds of the day's payments are still in progress; the day's refunds change when they end:\n", len(d.OpenRefunds))
		for _, r := range d.OpenRefunds {
			fmt.Fprintf(w, "  %s  of payment %s, lane %s, order %s, %d TWD, %s\n", field(r.ID), field(r.PaymentID), field(r.TerminalID), field(r.OrderNumber), r.Amount, field(string(r.State)))
		}
		fmt.Fprintln(w, "settle an unknown one after checking the wallet's portal: scanpay settle --refund <refund-id> --as … --note …")
	}
}

// paymentRange is `scanpay payments --from … --to … [--csv | --json]`.
func (c *cli) paymentRange(ctx context.Context, cl *posclient.Client, from, to string, asCSV, asJSON bool) int {
	if asCSV {
		if err := cl.PaymentsCSV(ctx, from, to, c.stdout); err != nil {
			return c.clientFail(err)
		}
		return exitOK
	}
	ex, err := cl.PaymentRows(ctx, from, to)
	if err != nil {
		return c.clientFail(err)
	}
	if asJSON {
		writeJSON(c.stdout, ex)
		return exitOK
	}
	if len(ex.Rows) == 0 {
		fmt.Fprintf(c.stdout, "no payments from %s to %s\n", ex.From.Format(time.DateTime), ex.To.Format(time.DateTime))
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tID\tLANE\tORDER\tWALLET\tTRANSACTION\tAMOUNT\tREFUNDED\tSTATE")
	for _, r := range ex.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.CreatedAt.Format(time.DateTime), field(r.PaymentID), field(r.TerminalID),
			field(r.OrderNumber), orDash(field(r.Wallet)), orDash(field(r.TransactionID)), r.Amount, r.Refunded, field(string(r.State)))
	}
	tw.Flush()
	return exitOK
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
