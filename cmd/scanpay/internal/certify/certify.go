package certify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
)

// Options is one certification run.
type Options struct {
	Wallet string           // the registry name
	Config providers.Config // provisioned and validated
	Env    providers.Env    // its HTTPClient is replaced by certify's own
	Codes  CodeSource

	Amount        int64 // TWD per payment (default 10)
	DeclineAmount int64 // TWD of the decline case (default 928, which the simulators decline)
	Production    bool  // allow an address that does not look like a test system
	// Settle bounds how long a lost answer is settled for (default 2m);
	// Pause is the wait between settling attempts (default 2s).
	Settle time.Duration
	Pause  time.Duration

	Progress   io.Writer // one line per case as it runs; nil = none
	Transcript io.Writer // the masked wire transcript; nil = none
	Version    string    // scanpay's version, for the transcript
	Transport  http.RoundTripper
	// CheckCode, when set, says why a code cannot be the wallet's (the
	// configured classification); such a code is never sent.
	CheckCode func(code string) error
}

// Result is one case's verdict.
type Result struct {
	Case   string
	Status string // PASS, FAIL or SKIP
	Detail string
}

// Report is a whole run.
type Report struct {
	Wallet  string
	Hosts   []string
	Results []Result
}

// Failed counts the failed cases.
func (r Report) Failed() int {
	n := 0
	for _, c := range r.Results {
		if c.Status == fail {
			n++
		}
	}
	return n
}

const (
	pass = "PASS"
	fail = "FAIL"
	skip = "SKIP"
)

// Case names, in the order they run.
const (
	CaseApproved  = "pay approved"
	CaseDeclined  = "pay declined"
	CaseDuplicate = "duplicate order"
	CaseTimeout   = "timeout, then settled"
	CaseVoid      = "cancel/void"
	CaseFull      = "full refund"
	CasePartial   = "partial refund"
	CaseInquiry   = "inquiry/search"
)

// Cases lists the case names in run order.
var Cases = []string{CaseApproved, CaseDeclined, CaseDuplicate, CaseTimeout, CaseVoid, CaseFull, CasePartial, CaseInquiry}

// inquirer is a wallet that can look a payment up without touching it. A
// wallet that offers it is asked by the inquiry case.
type inquirer interface {
	Inquire(ctx context.Context, req providers.PayRequest) providers.Outcome
}

// searchingResolve names the wallets whose Resolve of an approved payment
// is a plain search that answers it approved (iPass: search, and a void
// only when the search finds no payment), so that the inquiry case may use
// it; LINE Pay's is its status check. JKOPay's Resolve cancels and
// EasyWallet's resends the payment: for them the inquiry case uses the
// health check.
var searchingResolve = map[string]bool{"ipass": true, "linepay": true}

type run struct {
	o      Options
	w      providers.Wallet
	rec    *recorder
	mask   *masker
	tr     io.Writer
	report Report
	seq    int
	stamp  string
	// approved is the payment of the first case, kept for the inquiry.
	approved *paid
}

type paid struct {
	req providers.PayRequest
	out providers.Outcome
}

// Run opens the wallet through certify's own transport and runs every
// case in order. An error means the run could not start (a production
// address, a wallet that cannot be opened); a case's failure is in the
// report.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Amount <= 0 {
		o.Amount = 10
	}
	if o.DeclineAmount <= 0 {
		o.DeclineAmount = 928
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Minute
	}
	if o.Pause <= 0 {
		o.Pause = 2 * time.Second
	}
	if o.Amount < 2 {
		return Report{}, fmt.Errorf("certify: --amount %d is too small: the partial refund needs at least 2 TWD", o.Amount)
	}
	if o.Codes == nil {
		return Report{}, errors.New("certify: no source of payment codes")
	}
	r := &run{o: o, rec: newRecorder(o.Transport, o.Production), mask: newMasker(), tr: o.Transcript,
		report: Report{Wallet: o.Wallet}, stamp: time.Now().UTC().Format("0102150405")}
	if r.tr == nil {
		r.tr = io.Discard
	}
	env := o.Env
	env.HTTPClient = &http.Client{Transport: r.rec, Timeout: o.Config.Limits().Timeout}
	w, err := o.Config.Open(env)
	if err != nil {
		return Report{}, fmt.Errorf("certify: open %s: %w", o.Wallet, err)
	}
	r.w = w
	fmt.Fprintf(r.tr, "scanpay certify %s — transcript\nscanpay version: %s\nstarted: %s\nPayment codes are masked (first and last four characters), secrets shown as %s.\n",
		o.Wallet, o.Version, time.Now().UTC().Format(time.RFC3339), "[redacted]")
	// A harmless first call: a production address is refused here, before
	// any payment code is asked for.
	if hc, ok := w.(providers.HealthChecker); ok {
		err := hc.Health(ctx)
		ex := r.rec.take()
		if refused := r.rec.refusal(); refused != nil {
			return Report{}, refused
		}
		r.section("health check", ex, fmt.Sprintf("health: %v", errText(err)))
	}
	for _, c := range []struct {
		name string
		fn   func(context.Context) Result
	}{
		{CaseApproved, r.caseApproved},
		{CaseDeclined, r.caseDeclined},
		{CaseDuplicate, r.caseDuplicate},
		{CaseTimeout, r.caseTimeout},
		{CaseVoid, r.caseVoid},
		{CaseFull, r.caseFull},
		{CasePartial, r.casePartial},
		{CaseInquiry, r.caseInquiry},
	} {
		if ctx.Err() != nil {
			r.add(ctx, Result{Case: c.name, Status: fail, Detail: "interrupted: " + ctx.Err().Error()})
			continue
		}
		res := c.fn(ctx)
		res.Case = c.name
		if errors.Is(ctx.Err(), context.Canceled) && res.Status == pass {
			res.Detail += " (then interrupted)"
		}
		r.add(ctx, res)
	}
	// The approved payment of the first case was kept for the inquiry:
	// give it back now.
	if r.approved != nil {
		res := r.giveBack(ctx, *r.approved)
		r.section("clean-up: give back the payment of \""+CaseApproved+"\"", r.rec.take(), res)
	}
	r.report.Hosts = r.rec.hostList()
	return r.report, nil
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

func (r *run) add(ctx context.Context, res Result) {
	res.Detail = r.mask.text(res.Detail)
	r.report.Results = append(r.report.Results, res)
	r.section(fmt.Sprintf("case %d: %s — %s", len(r.report.Results), res.Case, res.Status), r.rec.take(), res.Detail)
	if r.o.Progress != nil {
		fmt.Fprintf(r.o.Progress, "%-22s %s  %s\n", res.Case, res.Status, res.Detail)
	}
}

// section writes one part of the transcript: a title, the exchanges, the
// verdict.
func (r *run) section(title string, exs []exchange, verdict string) {
	for _, ex := range exs {
		r.mask.learn(ex)
	}
	fmt.Fprintf(r.tr, "\n==== %s\n", title)
	for _, ex := range exs {
		r.mask.writeExchange(r.tr, ex)
	}
	fmt.Fprintf(r.tr, "\n%s\n", r.mask.text(verdict))
}

// request makes a new payment request for amount with a code from the
// source, for the named case.
func (r *run) request(ctx context.Context, name string, amount int64) (providers.PayRequest, error) {
	code, err := r.code(ctx, name)
	if err != nil {
		return providers.PayRequest{}, err
	}
	r.mask.addCode(code)
	r.seq++
	now := time.Now()
	req := providers.PayRequest{
		PaymentID: uuid.NewString(), TerminalID: "CERTIFY1", OrderNumber: fmt.Sprintf("CERT%s%02d", r.stamp, r.seq),
		Amount: amount, Description: "scanpay certification: " + name, Code: code, CreatedAt: now, Attempt: 1,
	}
	ref, err := r.w.NewRef(req, now)
	if err != nil {
		return req, fmt.Errorf("the wallet refuses the request: %w", err)
	}
	req.Ref = ref
	return req, nil
}

// code takes the case's code from the source and checks it. A person who
// mistyped is asked again, up to three times in all.
func (r *run) code(ctx context.Context, name string) (string, error) {
	for try := 1; ; try++ {
		code, err := r.o.Codes.Code(ctx, r.o.Wallet, name)
		if err != nil {
			return "", err
		}
		code = strings.TrimSpace(code)
		if code == "" {
			err = errors.New("no payment code was given")
		} else if r.o.CheckCode != nil {
			if cerr := r.o.CheckCode(code); cerr != nil {
				err = fmt.Errorf("code %s was not sent: %w", mask.Code(code), cerr)
			}
		}
		if err == nil {
			return code, nil
		}
		p, asks := r.o.Codes.(*Prompt)
		if !asks || try == 3 {
			return "", err
		}
		fmt.Fprintf(p.Out, "%v\n", err)
	}
}

func describe(o providers.Outcome) string {
	s := o.Kind.String()
	if o.Code != "" {
		s += " (" + o.Code + ")"
	}
	if o.TransactionID != "" {
		s += ", transaction " + o.TransactionID
	}
	if o.Duplicate {
		s += ", marked duplicate"
	}
	if o.Message != "" && o.Kind != providers.Approved {
		s += ": " + o.Message
	}
	return s
}

// pay charges a fresh code; the outcome must be approved.
func (r *run) pay(ctx context.Context, name string) (*paid, Result) {
	req, err := r.request(ctx, name, r.o.Amount)
	if err != nil {
		return nil, Result{Status: fail, Detail: err.Error()}
	}
	out := r.w.Pay(ctx, req)
	if out.Kind != providers.Approved {
		res := Result{Status: fail, Detail: "pay answered " + describe(out) + ", want approved"}
		if out.Kind == providers.Unknown {
			res.Detail += "; " + r.settleAndGiveBack(ctx, req)
		}
		return nil, res
	}
	return &paid{req: req, out: out}, Result{Status: pass, Detail: "approved: " + describe(out)}
}

// settle resolves an unknown outcome the wallet's own way until it is
// known or Options.Settle has passed.
func (r *run) settle(ctx context.Context, req providers.PayRequest) providers.Outcome {
	deadline := time.Now().Add(r.o.Settle)
	var out providers.Outcome
	for {
		req.Attempt++
		out = r.w.Resolve(ctx, req)
		if out.Kind != providers.Unknown || time.Now().After(deadline) || ctx.Err() != nil {
			return out
		}
		select {
		case <-ctx.Done():
		case <-time.After(r.o.Pause):
		}
	}
}

// settleAndGiveBack settles an unknown payment and gives back what it
// took; it says what happened.
func (r *run) settleAndGiveBack(ctx context.Context, req providers.PayRequest) string {
	out := r.settle(ctx, req)
	switch out.Kind {
	case providers.Approved:
		return "settled approved; " + r.giveBack(ctx, paid{req: req, out: out})
	case providers.Unknown:
		return "STILL UNKNOWN after " + r.o.Settle.String() + ": check order " + req.OrderNumber + " in the wallet's merchant portal and give it back there"
	}
	return "settled " + describe(out)
}

// giveBack voids an approved payment, or refunds it in full.
func (r *run) giveBack(ctx context.Context, p paid) string {
	if v, ok := r.w.(providers.Voider); ok {
		out := v.Void(ctx, p.req, p.out)
		if out.Kind == providers.Voided || out.Kind == providers.Approved {
			return "given back by void: " + describe(out)
		}
		if rf, ok := r.w.(providers.Refunder); ok {
			res := r.refund(ctx, rf, p, p.req.Amount, true, "give-back")
			return "void answered " + describe(out) + "; refund: " + res
		}
		return "void answered " + describe(out) + ": give order " + p.req.OrderNumber + " back in the wallet's merchant portal"
	}
	if rf, ok := r.w.(providers.Refunder); ok {
		return "given back by refund: " + r.refund(ctx, rf, p, p.req.Amount, true, "give-back")
	}
	return "the wallet can neither void nor refund: give order " + p.req.OrderNumber + " back in the wallet's merchant portal"
}

// refund sends one refund, resending while its outcome is unknown.
func (r *run) refund(ctx context.Context, rf providers.Refunder, p paid, amount int64, full bool, what string) string {
	out := r.refundOutcome(ctx, rf, p, amount, full)
	return what + " " + fmt.Sprint(amount) + " TWD: " + describe(out)
}

func (r *run) refundOutcome(ctx context.Context, rf providers.Refunder, p paid, amount int64, full bool) providers.Outcome {
	now := time.Now()
	rr := providers.RefundRequest{RefundID: uuid.NewString(), Payment: p.req, Approval: p.out, Amount: amount, Full: full, Attempt: 1, CreatedAt: now}
	ref, err := rf.NewRefundRef(rr, now)
	if err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: "the wallet refuses the refund request: " + err.Error()}
	}
	rr.Ref = ref
	deadline := time.Now().Add(r.o.Settle)
	for {
		out := rf.Refund(ctx, rr)
		if out.Kind != providers.Unknown || time.Now().After(deadline) || ctx.Err() != nil {
			return out
		}
		rr.Attempt++
		select {
		case <-ctx.Done():
		case <-time.After(r.o.Pause):
		}
	}
}

func (r *run) caseApproved(ctx context.Context) Result {
	p, res := r.pay(ctx, CaseApproved)
	if p != nil && p.out.TransactionID == "" {
		res = Result{Status: fail, Detail: "approved without a transaction id: " + describe(p.out)}
	}
	r.approved = p // given back after the inquiry
	return res
}

func (r *run) caseDeclined(ctx context.Context) Result {
	req, err := r.request(ctx, CaseDeclined, r.o.DeclineAmount)
	if err != nil {
		return Result{Status: fail, Detail: err.Error()}
	}
	out := r.w.Pay(ctx, req)
	switch out.Kind {
	case providers.Declined:
		return Result{Status: pass, Detail: "declined: " + describe(out)}
	case providers.Approved:
		return Result{Status: fail, Detail: "approved, want declined; " + r.giveBack(ctx, paid{req, out})}
	case providers.Unknown:
		return Result{Status: fail, Detail: "unknown, want declined (" + describe(out) + "); " + r.settleAndGiveBack(ctx, req)}
	}
	return Result{Status: fail, Detail: "answered " + describe(out) + ", want declined"}
}

// caseDuplicate sends the same payment twice, as a POS that lost the first
// answer does: the second must not be a second charge. It must answer the
// first approval (same transaction), or be settled to it.
func (r *run) caseDuplicate(ctx context.Context) Result {
	p, res := r.pay(ctx, CaseDuplicate)
	if p == nil {
		return res
	}
	again := p.req
	again.Attempt = 2
	out := r.w.Pay(ctx, again)
	how := "the resend answered " + describe(out)
	if out.Kind == providers.Unknown || out.Kind == providers.Declined {
		// A wallet may refuse a repeated order number; its own settling
		// must then find the first payment.
		out = r.settle(ctx, again)
		how += "; settled " + describe(out)
	}
	back := r.giveBack(ctx, *p)
	switch {
	case out.Kind == providers.Approved && out.TransactionID == p.out.TransactionID:
		return Result{Status: pass, Detail: how + ": the first payment, not a second charge; " + back}
	case out.Kind == providers.Approved:
		return Result{Status: fail, Detail: how + ": another transaction than the first (" + p.out.TransactionID + "): charged twice?; " + back}
	}
	return Result{Status: fail, Detail: how + ", want the first approval; " + back}
}

// caseTimeout withholds the answer to a charge (it reached the wallet),
// then settles it the wallet's own way: approved (then given back) or
// voided.
func (r *run) caseTimeout(ctx context.Context) Result {
	req, err := r.request(ctx, CaseTimeout, r.o.Amount)
	if err != nil {
		return Result{Status: fail, Detail: err.Error()}
	}
	r.rec.withholdNext(req.Code)
	out := r.w.Pay(ctx, req)
	if out.Kind != providers.Unknown {
		detail := "with its answer withheld, pay answered " + describe(out) + ", want unknown"
		if out.Kind == providers.Approved {
			detail += "; " + r.giveBack(ctx, paid{req, out})
		}
		return Result{Status: fail, Detail: detail}
	}
	s := r.settle(ctx, req)
	switch s.Kind {
	case providers.Approved:
		return Result{Status: pass, Detail: "unknown, then settled approved: " + describe(s) + "; " + r.giveBack(ctx, paid{req, s})}
	case providers.Voided:
		return Result{Status: pass, Detail: "unknown, then settled voided (no money kept): " + describe(s)}
	case providers.Unknown:
		return Result{Status: fail, Detail: "still unknown after " + r.o.Settle.String() + ": " + describe(s) + "; check order " + req.OrderNumber + " in the merchant portal"}
	}
	return Result{Status: fail, Detail: "settled " + describe(s) + ", want approved or voided"}
}

func (r *run) caseVoid(ctx context.Context) Result {
	v, ok := r.w.(providers.Voider)
	if !ok {
		return Result{Status: skip, Detail: r.o.Wallet + " has no void: a cancel after approval is a full refund (see " + CaseFull + ")"}
	}
	p, res := r.pay(ctx, CaseVoid)
	if p == nil {
		return res
	}
	out := v.Void(ctx, p.req, p.out)
	if out.Kind == providers.Voided || out.Kind == providers.Approved {
		return Result{Status: pass, Detail: "voided: " + describe(out)}
	}
	detail := "void answered " + describe(out) + ", want voided"
	if rf, ok := r.w.(providers.Refunder); ok {
		detail += "; " + r.refund(ctx, rf, *p, p.req.Amount, true, "give-back")
	}
	return Result{Status: fail, Detail: detail}
}

func (r *run) caseFull(ctx context.Context) Result {
	rf, ok := r.w.(providers.Refunder)
	if !ok {
		return Result{Status: skip, Detail: r.o.Wallet + " cannot refund"}
	}
	p, res := r.pay(ctx, CaseFull)
	if p == nil {
		return res
	}
	out := r.refundOutcome(ctx, rf, *p, p.req.Amount, true)
	if out.Kind == providers.Approved {
		return Result{Status: pass, Detail: fmt.Sprintf("refunded %d TWD: %s", p.req.Amount, describe(out))}
	}
	return Result{Status: fail, Detail: fmt.Sprintf("refund of %d TWD answered %s, want approved; %s", p.req.Amount, describe(out), r.giveBack(ctx, *p))}
}

func (r *run) casePartial(ctx context.Context) Result {
	rf, ok := r.w.(providers.Refunder)
	if !ok {
		return Result{Status: skip, Detail: r.o.Wallet + " cannot refund"}
	}
	if !rf.PartialRefunds() {
		return Result{Status: skip, Detail: r.o.Wallet + " takes no partial refunds"}
	}
	p, res := r.pay(ctx, CasePartial)
	if p == nil {
		return res
	}
	part := p.req.Amount / 3
	if part < 1 {
		part = 1
	}
	first := r.refundOutcome(ctx, rf, *p, part, false)
	if first.Kind != providers.Approved {
		return Result{Status: fail, Detail: fmt.Sprintf("refund of %d of %d TWD answered %s, want approved; %s", part, p.req.Amount, describe(first), r.giveBack(ctx, *p))}
	}
	rest := r.refundOutcome(ctx, rf, *p, p.req.Amount-part, true)
	if rest.Kind != providers.Approved {
		return Result{Status: fail, Detail: fmt.Sprintf("refunded %d TWD (%s), then the remaining %d answered %s, want approved: refund it in the merchant portal", part, describe(first), p.req.Amount-part, describe(rest))}
	}
	return Result{Status: pass, Detail: fmt.Sprintf("refunded %d TWD (%s), then the remaining %d (%s)", part, describe(first), p.req.Amount-part, describe(rest))}
}

// caseInquiry looks up the approved payment of the first case: through
// the wallet's own inquiry when it offers one, through its search where
// Resolve is one, else through the health check's harmless call.
func (r *run) caseInquiry(ctx context.Context) Result {
	if r.approved == nil {
		return Result{Status: fail, Detail: "no approved payment to look up (\"" + CaseApproved + "\" failed)"}
	}
	p := *r.approved
	var out providers.Outcome
	via := ""
	switch {
	case isInquirer(r.w):
		out, via = r.w.(inquirer).Inquire(ctx, p.req), "the wallet's inquiry"
	case searchingResolve[r.o.Wallet]:
		req := p.req
		req.Attempt++
		out, via = r.w.Resolve(ctx, req), "the wallet's search"
	default:
		hc, ok := r.w.(providers.HealthChecker)
		if !ok {
			return Result{Status: skip, Detail: r.o.Wallet + " offers no inquiry"}
		}
		if err := hc.Health(ctx); err != nil {
			return Result{Status: fail, Detail: "the health check's inquiry failed: " + err.Error()}
		}
		return Result{Status: pass, Detail: "the health check's harmless inquiry was answered (" + r.o.Wallet + "'s client looks an order up only through its settling call, which would " + settlingWord(r.o.Wallet) + " the payment)"}
	}
	if out.Kind == providers.Approved && out.TransactionID == p.out.TransactionID {
		return Result{Status: pass, Detail: via + " found it approved: " + describe(out)}
	}
	return Result{Status: fail, Detail: via + " answered " + describe(out) + ", want approved with transaction " + p.out.TransactionID}
}

func isInquirer(w providers.Wallet) bool {
	_, ok := w.(inquirer)
	return ok
}

func settlingWord(wallet string) string {
	if wallet == "jkopay" {
		return "cancel"
	}
	return "resend"
}

func (r *recorder) hostList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for h := range r.hosts {
		out = append(out, h)
	}
	return out
}
