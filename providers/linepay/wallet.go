package linepay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// Name is LINE Pay's registry name.
const Name = "linepay"

// RefOrderID is the key of the Ref this package makes, journaled by the
// engine: the orderId LINE Pay knows the payment by.
const RefOrderID = "order_id"

// ErrRequest is wrapped by every error about a request that cannot be sent
// as it is.
var ErrRequest = gateway.ErrRequest

// Wallet is LINE Pay for the engine: providers.Wallet, Voider, Refunder and
// HealthChecker. Safe for concurrent use.
type Wallet struct {
	cfg    Config
	client *http.Client
	base   string
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	unsettled map[string]time.Time // orderId → this process's first Resolve of it (see noTrade)
}

var (
	_ providers.Wallet        = (*Wallet)(nil)
	_ providers.Voider        = (*Wallet)(nil)
	_ providers.Refunder      = (*Wallet)(nil)
	_ providers.HealthChecker = (*Wallet)(nil)
)

func newWallet(cfg Config, env providers.Env) *Wallet {
	return &Wallet{
		cfg: cfg, client: env.Client(cfg.Timeout), base: strings.TrimRight(cfg.BaseURL, "/"),
		log: env.Log().With("wallet", Name), now: env.Clock(), unsettled: map[string]time.Time{},
	}
}

// Name is "linepay".
func (w *Wallet) Name() string { return Name }

// NewRef makes the payment's orderId (the POS order number's safe
// characters, '-' and 16 random hex digits: traceable, unique per payment,
// at most 100 long). 64 random bits (gateway.OrderID): an orderId
// seen before is answered 1172 and its status check reports that earlier
// order, so a repeat would book someone else's charge as this payment's,
// and POS order numbers repeat (they restart daily, lanes share a
// channel). It checks the request first, so a bad one is refused before
// it is journaled.
func (w *Wallet) NewRef(req providers.PayRequest, _ time.Time) (providers.Ref, error) {
	if err := checkPay(req); err != nil {
		return nil, err
	}
	return providers.Ref{RefOrderID: gateway.OrderID(req.OrderNumber, MaxOrderID)}, nil
}

func checkPay(req providers.PayRequest) error {
	if err := gateway.CheckPay(req, "LINE Pay"); err != nil {
		return err
	}
	switch {
	case !ValidOneTimeKey(req.Code):
		return fmt.Errorf("%w: the code is not a LINE Pay code (%d digits): scan the customer's LINE Pay code again", ErrRequest, KeyLength)
	case req.TerminalID != "" && !headerSafe(req.TerminalID, MaxHeader):
		return fmt.Errorf("%w: terminal_id %q is sent as %s and must be printable ASCII without spaces, at most %d long: change the lane's terminal_id", ErrRequest, req.TerminalID, HeaderDeviceProfileID, MaxHeader)
	}
	return nil
}

// productName is the POS's description, or the basket ("紅茶*2、…"), or
// product_name; cut to the reference's 4000 characters.
func (w *Wallet) productName(req providers.PayRequest) string {
	s := req.Description
	if strings.TrimSpace(s) == "" && len(req.Items) > 0 {
		parts := make([]string, 0, len(req.Items))
		for _, it := range req.Items {
			parts = append(parts, fmt.Sprintf("%s*%d", it.Name, it.Quantity))
		}
		s = strings.Join(parts, "、")
	}
	if strings.TrimSpace(s) == "" {
		s = w.cfg.ProductName
	}
	s = strings.ToValidUTF8(s, "")
	if utf8.RuneCountInString(s) > MaxProductName {
		s = string([]rune(s)[:MaxProductName])
	}
	return s
}

// Pay sends Payment. A resend carries the same orderId; LINE Pay answers
// 1172 to it (an order number seen before), which is Unknown and settled by
// the status check.
func (w *Wallet) Pay(ctx context.Context, req providers.PayRequest) providers.Outcome {
	if !ValidOneTimeKey(req.Code) {
		// A bad scan, not a configuration problem: nothing is sent.
		return providers.Outcome{Kind: providers.Declined, Message: fmt.Sprintf("the code is not a LINE Pay code (%d digits): scan the customer's LINE Pay code again", KeyLength), RetryScan: true}
	}
	if err := checkPay(req); err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	id := req.Ref[RefOrderID]
	body := PayBody{ProductName: w.productName(req), Amount: req.Amount, Currency: Currency, OrderID: id, OneTimeKey: req.Code, Capture: true}
	out := w.pay(ctx, req, body)
	out.Message = gateway.ScrubCode(out.Message, req.Code)
	w.log.InfoContext(ctx, "linepay pay", "payment", req.PaymentID, "order_id", id, "code", mask.Code(req.Code),
		"amount", req.Amount, "attempt", req.Attempt, "outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

func (w *Wallet) pay(ctx context.Context, req providers.PayRequest, body PayBody) providers.Outcome {
	if err := body.Check(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) && fe.Field == "oneTimeKey" {
			return providers.Outcome{Kind: providers.Declined, Message: err.Error(), RetryScan: true}
		}
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	a, err := w.send(ctx, http.MethodPost, PayPath, body, req.TerminalID)
	if err != nil {
		return failed(err)
	}
	c := PayCode(a.ReturnCode)
	if c.Kind != providers.Approved {
		return providers.Outcome{Kind: c.Kind, Code: a.ReturnCode, Message: c.Message, RetryScan: c.RetryScan}
	}
	if why := contradicts(a.Info, body); why != "" {
		return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: "LINE Pay answered success, but " + why + ": not an approval; settling by the status check"}
	}
	return providers.Outcome{
		Kind: providers.Approved, Code: a.ReturnCode, Message: "paid",
		TransactionID: string(a.Info.TransactionID), PaymentMethod: method(a.Info.PayInfo), AmountPaid: body.Amount,
	}
}

// contradicts says how a success answer disagrees with the payment sent:
// the reference asks to make sure info.payInfo[].amount adds up to the
// amount requested.
func contradicts(info *Info, sent PayBody) string {
	switch {
	case info == nil:
		return "without info"
	case info.TransactionID == "":
		return "without a transactionId"
	case info.OrderID != "" && info.OrderID != sent.OrderID:
		return fmt.Sprintf("for orderId %q, not %q", gateway.Clip(info.OrderID), sent.OrderID)
	}
	sum := paid(info.PayInfo)
	if len(info.PayInfo) == 0 || sum != sent.Amount {
		return fmt.Sprintf("payInfo adds up to %d, not the %d asked", sum, sent.Amount)
	}
	return ""
}

// differs says how a status check's COMPLETE order disagrees with the
// payment: an orderId or payInfo it names (the check may leave them out)
// for another order or amount, as when an orderId LINE Pay saw before
// (1172) is someone else's.
func differs(info *Info, orderID string, amount int64) string {
	if info.OrderID != "" && info.OrderID != orderID {
		return fmt.Sprintf("for orderId %q", gateway.Clip(info.OrderID))
	}
	if len(info.PayInfo) == 0 {
		return ""
	}
	if sum := paid(info.PayInfo); sum != amount {
		return fmt.Sprintf("its payInfo adds up to %d, not this payment's %d", sum, amount)
	}
	return ""
}

// paid adds up payInfo's amounts.
func paid(p []PayInfo) int64 {
	var sum int64
	for _, x := range p {
		sum += x.Amount
	}
	return sum
}

func method(p []PayInfo) string {
	names := make([]string, 0, len(p))
	for _, x := range p {
		names = append(names, strings.ToLower(x.Method))
	}
	return strings.Join(names, "+")
}

// Resolve settles an unknown payment by LINE Pay's rule: after a read
// timeout, check the payment status (doc.go, Settling by evidence).
func (w *Wallet) Resolve(ctx context.Context, req providers.PayRequest) providers.Outcome {
	id := req.Ref[RefOrderID]
	if id == "" {
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("%v: the payment's ref has no %s: it was not made by this wallet's NewRef", ErrRequest, RefOrderID)}
	}
	since := w.resolving(id)
	out := w.resolve(ctx, req, id, since)
	if out.Kind != providers.Unknown {
		w.settled(id)
	}
	out.Message = gateway.ScrubCode(out.Message, req.Code)
	w.log.InfoContext(ctx, "linepay resolve", "payment", req.PaymentID, "order_id", id, "code", mask.Code(req.Code),
		"outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

// resolving returns when this process first resolved orderId id: every
// Payment of it was sent before then (the engine resolves only what it
// no longer sends), so its key was generated before then too.
func (w *Wallet) resolving(id string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.unsettled[id]
	if !ok {
		t = w.now()
		w.unsettled[id] = t
	}
	return t
}

func (w *Wallet) settled(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.unsettled, id)
}

func (w *Wallet) resolve(ctx context.Context, req providers.PayRequest, id string, since time.Time) providers.Outcome {
	asked := w.now() // LINE Pay's answer tells of a moment after this one, not after its arrival
	a, err := w.send(ctx, http.MethodGet, OrderPath(id, CallCheck), nil, req.TerminalID)
	if err != nil {
		out := failed(err)
		out.Kind, out.NotSent = providers.Unknown, false // a check moves no money
		return out
	}
	switch {
	case a.ReturnCode == ReturnOK && a.Info != nil && a.Info.Status == StatusComplete:
		if why := differs(a.Info, id, req.Amount); why != "" {
			return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: "the status check found order " + id + " paid, but " + why + ": not this payment's approval; check the order in LINE Pay's merchant center"}
		}
		out := providers.Outcome{Kind: providers.Approved, Code: a.ReturnCode, Message: "paid (found by the status check)", AmountPaid: req.Amount, Duplicate: true}
		out.TransactionID = string(a.Info.TransactionID)
		out.PaymentMethod = method(a.Info.PayInfo)
		return out
	case a.ReturnCode == ReturnOK && a.Info != nil && a.Info.Status == StatusFail:
		return providers.Outcome{Kind: providers.Declined, Code: a.ReturnCode, Message: "LINE Pay says the payment failed: no money moved; ask for another scan or another wallet", RetryScan: true}
	case a.ReturnCode == ReturnOK && a.Info != nil && a.Info.Status == StatusRefund:
		return providers.Outcome{Kind: providers.Voided, Code: a.ReturnCode, Message: "LINE Pay says the order was refunded: the money is back with the customer"}
	case a.ReturnCode == ReturnOK:
		status := ""
		if a.Info != nil {
			status = a.Info.Status
		}
		return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: fmt.Sprintf("the status check answered status %q, which settles nothing; asking again", gateway.Clip(status))}
	case a.ReturnCode == "1150":
		return w.noTrade(ctx, req, id, since, asked)
	}
	c := PayCode(a.ReturnCode)
	msg := fmt.Sprintf("the status check answered %s (%s): still unsettled", a.ReturnCode, gateway.Clip(a.ReturnMessage))
	if c.Kind == providers.ConfigError {
		msg = "the status check was refused: " + c.Message
	}
	return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: msg}
}

// noTrade settles a payment LINE Pay has no transaction for. Its key was
// generated before since (this process's first Resolve of it) and lives
// code_ttl, so after since + code_ttl + settle_margin no Payment of it,
// however late it arrives, can charge. Until then: Unknown, without a
// code (nothing for an operator to do but wait). After, scanpay voids the
// orderId, so that nothing can stand on it, and ends the payment Voided
// when the void answers 0000 or 1150 (no such order either).
//
// The wait is measured on this process's monotonic clock, never against
// a journaled wall-clock stamp: a PC clock set back cannot make it
// endless, nor one set forward cut it short. A restart starts it anew,
// so it is never shorter than the key's life, and at most one life
// longer. It is measured to when the check was asked, not answered: a
// slow 1150 may tell of a moment before the deadline.
func (w *Wallet) noTrade(ctx context.Context, req providers.PayRequest, id string, since, asked time.Time) providers.Outcome {
	wait := w.cfg.CodeTTL + w.cfg.SettleMargin
	if left := wait - asked.Sub(since); left > 0 {
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("LINE Pay has no transaction for order %s yet (1150); its code may still be used for another %s (code_ttl %s + settle_margin %s from the first check): asking again until then",
			id, left.Round(time.Second), w.cfg.CodeTTL, w.cfg.SettleMargin)}
	}
	a, err := w.send(ctx, http.MethodPost, OrderPath(id, CallVoid), struct{}{}, req.TerminalID)
	if err != nil {
		out := failed(err)
		out.Kind, out.NotSent = providers.Unknown, false
		return out
	}
	if a.ReturnCode == ReturnOK || a.ReturnCode == "1150" {
		return providers.Outcome{Kind: providers.Voided, Code: a.ReturnCode, Message: fmt.Sprintf("not charged: LINE Pay has no transaction for order %s (check 1150, void %s) %s after the first check, when its code could no longer be used", id, a.ReturnCode, wait)}
	}
	return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: fmt.Sprintf("the status check found no transaction for order %s, but the void answered %s (%s): check the order in LINE Pay's merchant center", id, a.ReturnCode, gateway.Clip(a.ReturnMessage))}
}

// Void takes back an approved payment as a whole. Scanpay captures at
// once, and the reference's void is for authorisations not yet captured,
// so a captured payment is given back by a refund of everything paid
// (refundAmount omitted). Idempotent: a second one is answered 1165 (a
// transaction already refunded), which says the first arrived.
func (w *Wallet) Void(ctx context.Context, req providers.PayRequest, _ providers.Outcome) providers.Outcome {
	id := req.Ref[RefOrderID]
	if id == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: the payment's ref has no %s", ErrRequest, RefOrderID)}
	}
	out := w.refund(ctx, id, req.TerminalID, req.Amount)
	if out.Kind == providers.Approved {
		out.Kind = providers.Voided
	}
	w.log.InfoContext(ctx, "linepay void (full refund)", "payment", req.PaymentID, "order_id", id, "outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

// NewRefundRef needs nothing of its own: a refund is keyed by the
// payment's orderId, and only a full refund is made (PartialRefunds).
func (w *Wallet) NewRefundRef(req providers.RefundRequest, _ time.Time) (providers.Ref, error) {
	if err := gateway.CheckRefund(req); err != nil {
		return nil, err
	}
	if req.Payment.Ref[RefOrderID] == "" {
		return nil, fmt.Errorf("%w: the payment has no LINE Pay orderId: only LINE Pay payments made by scanpay can be refunded", ErrRequest)
	}
	return providers.Ref{}, nil
}

// PartialRefunds is false. LINE Pay takes partial refunds, but a refund
// carries no key of its own: a resend after a lost answer would refund
// again. A full refund is safe to resend (the second is answered 1165).
func (w *Wallet) PartialRefunds() bool { return false }

// Refund gives back everything that remains of the payment.
func (w *Wallet) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	id := req.Payment.Ref[RefOrderID]
	if err := gateway.CheckRefund(req); err != nil || id == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: a LINE Pay refund needs an amount above zero and the payment's orderId", ErrRequest)}
	}
	out := w.refund(ctx, id, req.Payment.TerminalID, req.Amount)
	w.log.InfoContext(ctx, "linepay refund", "refund", req.RefundID, "order_id", id, "amount", req.Amount, "attempt", req.Attempt,
		"outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

func (w *Wallet) refund(ctx context.Context, id, terminal string, amount int64) providers.Outcome {
	a, err := w.send(ctx, http.MethodPost, OrderPath(id, CallRefund), RefundBody{}, terminal)
	if err != nil {
		return failed(err)
	}
	switch a.ReturnCode {
	case ReturnOK:
		if a.Info == nil || a.Info.RefundTransactionID == "" {
			return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: "a refund answer without refundTransactionId: sending it again to learn the result"}
		}
		return providers.Outcome{Kind: providers.Approved, Code: a.ReturnCode, Message: "refunded", TransactionID: string(a.Info.RefundTransactionID), AmountPaid: amount}
	case "1165":
		return providers.Outcome{Kind: providers.Approved, Code: a.ReturnCode, Message: "refunded (LINE Pay says the order was already refunded: an earlier send arrived)", AmountPaid: amount, Duplicate: true}
	}
	if msg, ok := refundRefusals[a.ReturnCode]; ok {
		return providers.Outcome{Kind: providers.Declined, Code: a.ReturnCode, Message: msg}
	}
	c := PayCode(a.ReturnCode)
	if c.Kind == providers.ConfigError {
		return providers.Outcome{Kind: providers.ConfigError, Code: a.ReturnCode, Message: c.Message}
	}
	return providers.Outcome{Kind: providers.Unknown, Code: a.ReturnCode, Message: fmt.Sprintf("LINE Pay answered %s (%s) to the refund: it may or may not have gone through; sending it again", a.ReturnCode, gateway.Clip(a.ReturnMessage))}
}

// HealthOrderPrefix starts the orderId Health checks: no orderId NewRef
// makes starts so (it ends in '-' and 16 hex digits after the POS order).
const HealthOrderPrefix = "scanpay-health-"

// Health checks an order that cannot exist: 1150 (no such order) proves
// the address, the channel id and the secret; 1104, 1105, 1106 name what is
// wrong.
func (w *Wallet) Health(ctx context.Context) error {
	a, err := w.send(ctx, http.MethodGet, OrderPath(HealthOrderPrefix+gateway.RandomHex(6), CallCheck), nil, "")
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		return fmt.Errorf("linepay health: %w: nothing at this address answers LINE Pay's API: check providers.linepay.base_url (%s)", err, DefaultBaseURL)
	}
	if err != nil {
		return fmt.Errorf("linepay health: %w", err)
	}
	switch a.ReturnCode {
	case "1150", ReturnOK:
		return nil
	}
	return fmt.Errorf("linepay health: returnCode %s: %s", a.ReturnCode, PayCode(a.ReturnCode).Message)
}

// TransportError is a request whose answer never arrived whole. NotSent
// says the connection was never made, so LINE Pay cannot have seen it.
type TransportError struct {
	Path    string
	NotSent bool
	Err     error
}

func (e *TransportError) Error() string {
	if e.NotSent {
		return fmt.Sprintf("linepay %s not sent: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("linepay %s: no usable answer: %v", e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// HTTPError is an answer with an HTTP status other than 200.
type HTTPError struct {
	Path   string
	Status int
}

func (e *HTTPError) Error() string { return fmt.Sprintf("linepay %s: HTTP %d", e.Path, e.Status) }

// send makes one call: the JSON body (nil for GET), the headers, the
// answer parsed. The path names the orderId, never the code or secret.
func (w *Wallet) send(ctx context.Context, method, path string, body any, terminal string) (Answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Answer{}, &FieldError{"(request)", err.Error()}
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	hreq, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return Answer{}, &TransportError{Path: path, NotSent: true, Err: err}
	}
	hreq.Header.Set("Content-Type", "application/json; charset=UTF-8")
	hreq.Header.Set(HeaderChannelID, w.cfg.ChannelID)
	hreq.Header.Set(HeaderChannelSecret, w.cfg.secret)
	if terminal != "" {
		hreq.Header.Set(HeaderDeviceProfileID, terminal)
		hreq.Header.Set(HeaderDeviceType, w.cfg.DeviceType)
	}
	start := time.Now()
	hresp, err := w.client.Do(hreq)
	if err != nil {
		terr := &TransportError{Path: path, NotSent: !connected.Load(), Err: err}
		w.log.Warn("linepay request failed", "path", path, "not_sent", terr.NotSent, "err", err, "elapsed", time.Since(start))
		return Answer{}, terr
	}
	defer hresp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	if err != nil {
		return Answer{}, &TransportError{Path: path, Err: err}
	}
	if hresp.StatusCode != http.StatusOK {
		w.log.Warn("linepay answered an HTTP error", "path", path, "http_status", hresp.StatusCode)
		return Answer{}, &HTTPError{Path: path, Status: hresp.StatusCode}
	}
	a, err := ParseAnswer(rb)
	if err != nil {
		w.log.Warn("linepay answer does not parse", "path", path, "err", err, "bytes", len(rb))
		return Answer{}, err
	}
	return a, nil
}

// failed classifies an error of send.
func failed(err error) providers.Outcome {
	var fe *FieldError
	var te *TransportError
	var he *HTTPError
	switch {
	case errors.As(err, &fe):
		return providers.Outcome{Kind: providers.ConfigError, Message: fe.Error()}
	case errors.As(err, &te):
		return providers.Outcome{Kind: providers.Unknown, Message: te.Error(), NotSent: te.NotSent}
	case errors.As(err, &he):
		// LINE Pay answers 200; anything else came from something on the
		// way, which may have passed the request on.
		msg := he.Error() + ": no usable LINE Pay answer; it may have reached LINE Pay, settling by the status check"
		if he.Status == http.StatusNotFound {
			msg = he.Error() + ": nothing at this address answers LINE Pay's API: check providers.linepay.base_url; settling by the status check"
		}
		return providers.Outcome{Kind: providers.Unknown, Message: msg}
	}
	return providers.Outcome{Kind: providers.Unknown, Message: err.Error()}
}
