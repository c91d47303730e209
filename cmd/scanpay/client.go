package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/store"
)

func apiAddr(cfg *config.Config) string {
	if cfg.API.Listen != "" {
		return cfg.API.Listen
	}
	return posapi.DefaultListen
}

// clientFlags are the flags every POS-API command shares.
type clientFlags struct {
	config, addr, tokenFile *string
	json                    *bool
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		config:    fs.String("config", "", "configuration file of the running scanpay (default "+config.DefaultPath()+"; the SANDBOX one if absent)"),
		addr:      fs.String("addr", "", "POS API address (default: api.listen of the configuration)"),
		tokenFile: fs.String("token-file", "", "bearer token file (default: api.token_file of the configuration)"),
		json:      fs.Bool("json", false, "print the API's JSON instead of a summary"),
	}
}

func (c *cli) client(f clientFlags) (*posclient.Client, error) {
	cl, _, err := c.clientAndConfig(f)
	return cl, err
}

func (c *cli) clientAndConfig(f clientFlags) (*posclient.Client, *config.Config, error) {
	cfg, err := c.loadConfig(*f.config, true, "")
	if err != nil {
		return nil, nil, err
	}
	addr := apiAddr(cfg)
	if *f.addr != "" {
		if err := checkLoopbackAddr(*f.addr); err != nil {
			return nil, nil, &config.Error{Err: err}
		}
		addr = *f.addr
	}
	tf := cfg.API.TokenFile
	if *f.tokenFile != "" {
		tf = *f.tokenFile
	}
	token, err := readTokenFile(tf)
	if err != nil {
		return nil, nil, err
	}
	return posclient.New(addr, token), cfg, nil
}

// checkLoopbackAddr: --addr names this PC only, as api.listen does. The
// bearer token travels in plain HTTP, so it must not leave the PC, and a
// name is not looked up (DNS could answer with any address).
func checkLoopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err == nil {
		ip := net.ParseIP(strings.Trim(host, "[]"))
		if strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("--addr %q is not a loopback address: the API token is sent in plain HTTP and must not leave this PC; use 127.0.0.1:<port>, [::1]:<port> or localhost:<port>", addr)
}

func (c *cli) clientFail(err error) int {
	if errors.Is(err, posclient.ErrUnreachable) {
		fmt.Fprintf(c.stderr, "scanpay: %v\n", err)
		return exitUnreachable
	}
	var ae *posclient.APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 {
		fmt.Fprintf(c.stderr, "scanpay: %v\n", err)
		return exitUsage
	}
	return c.fail(err)
}

// cancelCheckout cancels, after Ctrl-C, the checkout `scanpay pay` opened,
// so the lane does not wait scan_timeout for a scan. scanpay decides: a
// payment whose code was already sent is not cancelled but settled, and
// the answer says so.
func (c *cli) cancelCheckout(cl *posclient.Client, id string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := cl.Cancel(ctx, id)
	if err != nil {
		fmt.Fprintf(c.stderr, "scanpay pay: interrupted; cancelling payment %s failed: ", field(id))
		return c.clientFail(err)
	}
	fmt.Fprintf(c.stderr, "scanpay pay: interrupted; payment %s is now %s\n", field(v.ID), field(string(v.State)))
	if v.State == store.Approved {
		return exitOK
	}
	if !v.Final {
		return exitPending
	}
	return exitNotApproved
}

func (c *cli) cmdPay(ctx context.Context, args []string) int {
	fs := c.newFlagSet("pay", `Ask the running scanpay to collect a payment, exactly as a POS does
(POST /v1/payments with the bearer token), and wait for the outcome. Without
--code the payment waits for a scan on the lane's scanner; with --code it is
charged at once (a code typed in, or a SANDBOX test code). Exit code 0 means
approved, 5 not approved, 6 still being settled when --wait ended.`,
		"scanpay pay --terminal AB123456 --order 42 --amount 100 --wait 60s")
	cf := addClientFlags(fs)
	terminal := fs.String("terminal", "", "terminal_id: the lane (POS terminal) (required)")
	order := fs.String("order", "", "order_number: the POS's order number (required)")
	amount := fs.Int64("amount", 0, "amount in whole TWD (required)")
	undiscountable := fs.Int64("undiscountable", 0, "part of the amount no points or coupons may pay (tobacco, alcohol), whole TWD")
	description := fs.String("description", "", "what is being bought, for the wallet's receipt")
	code := fs.String("code", "", "SANDBOX only: a test payment code (a real code on the command line is visible to every user in ps)")
	codeStdin := fs.Bool("code-stdin", false, "read the wallet's payment code from standard input (typed at a prompt, or piped), when not scanning")
	wait := fs.Duration("wait", 60*time.Second, "how long to wait for the outcome")
	if rc, done := c.parse(fs, args); done {
		return rc
	}
	if *terminal == "" || *order == "" || *amount <= 0 {
		fmt.Fprintln(c.stderr, "scanpay pay: --terminal, --order and a positive --amount are required, e.g. scanpay pay --terminal AB123456 --order 42 --amount 100")
		return exitUsage
	}
	cl, cfg, err := c.clientAndConfig(cf)
	if err != nil {
		return c.fail(err)
	}
	switch {
	case *code != "" && *codeStdin:
		fmt.Fprintln(c.stderr, "scanpay pay: give --code or --code-stdin, not both")
		return exitUsage
	case *code != "" && !cfg.Sandbox:
		fmt.Fprintln(c.stderr, "scanpay pay: --code is for SANDBOX test codes only: a real payment code on the command line is visible to every user of this PC (ps); use --code-stdin and type or pipe it")
		return exitUsage
	case *codeStdin:
		if *code, err = c.readCode(); err != nil {
			fmt.Fprintf(c.stderr, "scanpay pay: %v\n", err)
			return exitUsage
		}
	}
	req := edge.CreateRequest{TerminalID: *terminal, OrderNumber: *order, Amount: *amount, Undiscountable: *undiscountable, Description: *description, Barcode: *code}
	v, _, err := cl.CreatePayment(ctx, req, 0)
	if err != nil {
		return c.clientFail(err)
	}
	for _, w := range v.Warnings {
		fmt.Fprintf(c.stderr, "warning (%s): %s\n", field(w.Code), field(w.Message))
	}
	if !v.Final && *code == "" {
		fmt.Fprintf(c.stderr, "payment %s is waiting for a scan on lane %s (up to %s)…\n", field(v.ID), field(v.TerminalID), *wait)
	}
	if !v.Final {
		id := v.ID
		if v, err = cl.WaitFinal(ctx, id, *wait); err != nil {
			if ctx.Err() != nil {
				return c.cancelCheckout(cl, id)
			}
			return c.clientFail(err)
		}
	}
	if *cf.json {
		writeJSON(c.stdout, v)
	} else {
		printPayment(c.stdout, v)
	}
	switch {
	case v.State == store.Approved:
		return exitOK
	case !v.Final:
		return exitPending
	}
	return exitNotApproved
}

func (c *cli) cmdPayments(ctx context.Context, args []string) int {
	fs := c.newFlagSet("payments", `Look up payments in the running scanpay (GET /v1/payments): by order
number, lane or state, or one payment by its id.

With --from and --to, list every payment created in that range instead
(GET /v1/reports/payments), for reconciliation with the wallets'
settlement reports; --csv writes them as CSV (payment id, created and
final time, lane, order number, wallet, masked code, wallet transaction
id, amount, refunded, state). A date (YYYY-MM-DD) means the start of that
business day ([report] day_starts), so --from 2026-12-01 --to 2026-12-08
is one week; YYYY-MM-DDTHH:MM is a time in the store's zone.`,
		"scanpay payments --order 42\n  scanpay payments --from 2026-12-01 --to 2026-12-08 --csv > december-week1.csv")
	cf := addClientFlags(fs)
	order := fs.String("order", "", "order_number to search for")
	terminal := fs.String("terminal", "", "terminal_id (lane) to search for")
	state := fs.String("state", "", "state to search for (e.g. unknown, approved)")
	id := fs.String("id", "", "one payment's id (shows its history)")
	from := fs.String("from", "", "list payments created from this date or time on (with --to)")
	to := fs.String("to", "", "… up to this date or time, not included (with --from)")
	asCSV := fs.Bool("csv", false, "with --from/--to: write CSV to standard output")
	if rc, done := c.parse(fs, args); done {
		return rc
	}
	ranged := *from != "" || *to != ""
	switch {
	case ranged && (*id != "" || *order != "" || *terminal != "" || *state != ""):
		fmt.Fprintln(c.stderr, "scanpay payments: --from/--to list a range; give them without --id, --order, --terminal or --state")
		return exitUsage
	case ranged && (*from == "" || *to == ""):
		fmt.Fprintln(c.stderr, "scanpay payments: give both --from and --to, e.g. --from 2026-12-05 --to 2026-12-06 for one business day")
		return exitUsage
	case *asCSV && *cf.json:
		fmt.Fprintln(c.stderr, "scanpay payments: --csv and --json are two formats for the same list: give one of them")
		return exitUsage
	case *asCSV && !ranged:
		fmt.Fprintln(c.stderr, "scanpay payments: --csv exports a range: add --from and --to, e.g. --from 2026-12-05 --to 2026-12-06")
		return exitUsage
	case !ranged && *id == "" && *order == "" && *terminal == "" && *state == "":
		fmt.Fprintln(c.stderr, "scanpay payments: give --id, --order, --terminal or --state, e.g. scanpay payments --order 42; or a range with --from and --to")
		return exitUsage
	}
	cl, err := c.client(cf)
	if err != nil {
		return c.fail(err)
	}
	if ranged {
		return c.paymentRange(ctx, cl, *from, *to, *asCSV, *cf.json)
	}
	var list []edge.PaymentView
	if *id != "" {
		v, err := cl.Payment(ctx, *id, 0)
		if err != nil {
			return c.clientFail(err)
		}
		list = []edge.PaymentView{v}
	} else if list, err = cl.Search(ctx, *order, *terminal, *state); err != nil {
		return c.clientFail(err)
	}
	if *cf.json {
		writeJSON(c.stdout, list)
		return exitOK
	}
	if len(list) == 0 {
		fmt.Fprintln(c.stdout, "no payments found")
		return exitOK
	}
	if len(list) == 1 {
		printPayment(c.stdout, list[0])
		return exitOK
	}
	printPaymentList(c.stdout, list)
	return exitOK
}

func printPaymentList(w io.Writer, list []edge.PaymentView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLANE\tORDER\tAMOUNT\tWALLET\tCODE\tSTATE\tUPDATED")
	for _, v := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", field(v.ID), field(v.TerminalID), field(v.OrderNumber), v.Amount, field(v.Wallet), field(v.MaskedCode), field(string(v.State)), v.UpdatedAt.Local().Format(time.DateTime))
	}
	tw.Flush()
}

func printPayment(w io.Writer, v edge.PaymentView) {
	mode := ""
	if v.Sandbox {
		mode = " [SANDBOX]"
	}
	fmt.Fprintf(w, "payment %s%s\n  lane %s, order %s, %d TWD\n  wallet %s, code %s\n  state %s (final: %v), attempts %d\n",
		field(v.ID), mode, field(v.TerminalID), field(v.OrderNumber), v.Amount, orDash(field(v.Wallet)), orDash(field(v.MaskedCode)), field(string(v.State)), v.Final, v.Attempts)
	if a := v.Answer; a.Code != "" || a.Message != "" || a.TransactionID != "" {
		fmt.Fprintf(w, "  wallet said: %s %s", field(a.Code), text(a.Message))
		if a.TransactionID != "" {
			fmt.Fprintf(w, " (transaction %s, paid %d, discount %d)", field(a.TransactionID), a.AmountPaid, a.Discount)
		}
		fmt.Fprintln(w)
	}
	for _, h := range v.History {
		fmt.Fprintf(w, "    %s  %-13s %s\n", h.At.Local().Format("15:04:05.000"), field(string(h.State)), text(h.Reason))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// readCode reads one payment code from standard input, prompting on the
// terminal when there is one.
func (c *cli) readCode() (string, error) {
	if f, ok := c.stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(c.stderr, "payment code (scan or type it, then Enter): ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(c.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the code from standard input: %w", err)
	}
	code := strings.TrimSpace(line)
	if code == "" {
		return "", errors.New("--code-stdin: standard input held no code: type or pipe the wallet's payment code")
	}
	return code, nil
}
