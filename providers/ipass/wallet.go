package ipass

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// Name is the registry name.
const Name = "ipass"

// Ref keys.
const (
	RefReqID       = "req_id"        // the pay request's req_id, reused on every resend
	RefOrderNumber = "order_number"  // the order number iPass knows the payment by
	RefPosDateTime = "pos_date_time" // fixed once: the code's expiry is measured from it
	RefRefundReqID = "refund_req_id" // a refund's req_id, reused on its resends
)

// Wallet is iPass Money through the gateway. Safe for concurrent use.
type Wallet struct {
	cfg Config
	gw  *gateway.Client
	log *slog.Logger
	now func() time.Time
}

var (
	_ providers.Wallet        = (*Wallet)(nil)
	_ providers.Voider        = (*Wallet)(nil)
	_ providers.Refunder      = (*Wallet)(nil)
	_ providers.HealthChecker = (*Wallet)(nil)
)

func newWallet(cfg Config, env providers.Env) (*Wallet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	gw, err := cfg.Client(env, table)
	if err != nil {
		return nil, err
	}
	return &Wallet{cfg: cfg, gw: gw, log: env.Log().With("wallet", Name), now: env.Clock()}, nil
}

// Name is "ipass".
func (w *Wallet) Name() string { return Name }

// Gateway is the wallet's gateway client (for health pages and tests).
func (w *Wallet) Gateway() *gateway.Client { return w.gw }

// ErrRequest is wrapped by every error about a request that cannot be sent
// as it is.
var ErrRequest = gateway.ErrRequest

// NewRef makes the payment's identifiers once: req_id (a UUID, as the spec
// asks), order_number (the POS order number's safe characters and a random
// suffix: traceable, unique per payment) and pos_date_time (now, UTC+8).
// It checks the request first, so a bad one is refused before it is
// journaled.
func (w *Wallet) NewRef(req providers.PayRequest, now time.Time) (providers.Ref, error) {
	if err := checkPay(req); err != nil {
		return nil, err
	}
	return providers.Ref{
		RefReqID:       newReqID(),
		RefOrderNumber: gateway.OrderID(req.OrderNumber, MaxOrderNumber),
		RefPosDateTime: FormatTime(now),
	}, nil
}

func checkPay(req providers.PayRequest) error {
	if err := gateway.CheckPay(req, "iPass Money"); err != nil {
		return err
	}
	tid := utf8.RuneCountInString(req.TerminalID)
	switch {
	case strings.TrimSpace(req.TerminalID) == "":
		return fmt.Errorf("%w: terminal_id is empty: iPass needs the lane's terminal id (at most %d characters)", ErrRequest, MaxTerminalID)
	case tid > MaxTerminalID:
		return fmt.Errorf("%w: terminal_id %q is %d characters: iPass allows at most %d, shorten the lane's terminal_id in the configuration", ErrRequest, req.TerminalID, tid, MaxTerminalID)
	case utf8.RuneCountInString(productDesc(req)) > MaxProductDesc:
		return fmt.Errorf("%w: the description is over %d characters: shorten it", ErrRequest, MaxProductDesc)
	}
	return nil
}

// productDesc is the POS's description, or the basket written the way the
// spec's example does ("XX 防曬乳*1(149 元)、…").
func productDesc(req providers.PayRequest) string {
	if req.Description != "" || len(req.Items) == 0 {
		return req.Description
	}
	parts := make([]string, 0, len(req.Items))
	for _, it := range req.Items {
		parts = append(parts, fmt.Sprintf("%s*%d(%d 元)", it.Name, it.Quantity, it.Subtotal))
	}
	return strings.Join(parts, "、")
}

// newReqID is a req_id: a UUID, unique per request (the spec).
func newReqID() string { return strings.ToUpper(uuid.NewString()) }

// newIV is the spec's iv: 16 random bytes as hex, fresh for every request.
func newIV() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *Wallet) payBody(req providers.PayRequest) (PayBody, error) {
	if err := checkPay(req); err != nil {
		return PayBody{}, err
	}
	for _, k := range []string{RefReqID, RefOrderNumber, RefPosDateTime} {
		if req.Ref[k] == "" {
			return PayBody{}, fmt.Errorf("%w: the payment's ref has no %s: it was not made by this wallet's NewRef", ErrRequest, k)
		}
	}
	f := PayFields{
		ReqID:         req.Ref[RefReqID],
		TradeCode:     req.Code,
		Amount:        req.Amount,
		OrderNumber:   req.Ref[RefOrderNumber],
		StoreID:       w.cfg.StoreID,
		TerminalID:    req.TerminalID,
		Capture:       true, // immediate capture only; the spec says always true
		PosDateTime:   req.Ref[RefPosDateTime],
		TradeDateTime: FormatTime(w.now()),
		ProductDesc:   productDesc(req),
		Redeem:        &Redeem{NonRedeemAmout: req.Undiscountable},
	}
	f.Credentials = w.credentials()
	return PayBody{Request: f, Envelope: w.envelope()}, nil
}

// envelope is what every call's body carries beside its request: the
// gateway's store_id in omni mode, and is_test. The gateway's pages give
// search, void and refund the same fields as pay.
func (w *Wallet) envelope() Envelope {
	e := Envelope{IsTest: w.cfg.IsTest}
	if !w.cfg.merchantMode() {
		e.StoreID = w.cfg.OmniStoreID
	}
	return e
}

// credentials are the merchant's own merchantid and key with a fresh iv
// (the spec: "每次請求皆不同"), or none in omni mode. Called once per
// request sent.
func (w *Wallet) credentials() Credentials {
	if !w.cfg.merchantMode() {
		return Credentials{}
	}
	return Credentials{MerchantID: w.cfg.MerchantID, Key: w.cfg.key, IV: newIV()}
}

// Pay sends the payment; a resend carries the same req_id, order_number
// and pos_date_time (and a fresh iv and trade_date_time).
func (w *Wallet) Pay(ctx context.Context, req providers.PayRequest) providers.Outcome {
	body, err := w.payBody(req)
	if err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	// A resend after a 401 keeps req_id (journaled, and the refused send
	// never reached iPass) and order_number, with a fresh iv and send time.
	resp, err := w.gw.PostBuilt(ctx, PayPath, gateway.Rebuilt(&body, func(b *PayBody) {
		b.Request.Credentials, b.Request.TradeDateTime = w.credentials(), FormatTime(w.now())
	}))
	var out providers.Outcome
	if err != nil {
		out = gateway.Outcome(err)
	} else {
		out = w.PayOutcome(resp.Status, resp.Body, body.Request)
	}
	out.Message = w.scrub(out.Message, req.Code)
	w.log.InfoContext(ctx, "ipass pay", "payment", req.PaymentID, "order_number", body.Request.OrderNumber, "req_id", body.Request.ReqID,
		"code", mask.Code(req.Code), "amount", req.Amount, "attempt", req.Attempt,
		"outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

func (w *Wallet) scrub(msg, code string) string {
	return w.gw.Scrub(gateway.ScrubCode(msg, code), w.cfg.key)
}

// PayOutcome classifies the answer to a pay request.
func (w *Wallet) PayOutcome(status int, body []byte, sent PayFields) providers.Outcome {
	a, out, ok := w.answer(status, body, "payment")
	if !ok {
		return out
	}
	code := string(a.ReturnCode)
	switch {
	case code == ReturnRepeated:
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: "iPass already has this order number (0006): an earlier send arrived; resolving by search"}
	case code != ReturnOK && slices.Contains(w.cfg.DeclineCodes, code):
		return w.refusal(a, "iPass refused the payment")
	case code != ReturnOK:
		// Not a known decline: the payment may have gone through (iPass
		// publishes no list of its refusals), so it is settled by search
		// and void rather than guessed.
		msg := string(a.ReturnMsg)
		if msg == "" {
			msg = string(a.Message)
		}
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("iPass answered %s (%s), which is not a known decline (providers.ipass.decline_codes): settling by search and void", code, gateway.Clip(msg))}
	case string(a.OrderNumber) != sent.OrderNumber:
		// The spec's success example names order_number and amount; an
		// approval without them proves nothing about this order.
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("iPass answered success for order %q, not %q: not an approval; resolving by search", gateway.Clip(string(a.OrderNumber)), sent.OrderNumber)}
	case a.Amount == nil:
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: "iPass answered success without an amount: not an approval; resolving by search"}
	case int64(*a.Amount) != sent.Amount:
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("iPass answered success for amount %d, not the %d sent: not an approval; resolving by search", *a.Amount, sent.Amount)}
	case a.TransactionID == "":
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: "iPass answered success without a transaction_id: not an approval; resolving by search"}
	}
	return providers.Outcome{
		Kind: providers.Approved, Code: code, Message: "paid",
		TransactionID: string(a.TransactionID), PaymentMethod: PaymentMethod(string(a.PaymentType)),
		AmountPaid: sent.Amount, Carrier: string(a.ElectronicInvoiceCarrier),
	}
}

// answer does what every call's answer shares: 5xx and garbage are
// Unknown, 403 a config error, a missing return_code Unknown, an uncertain
// code Unknown. ok means a's return_code is worth reading further.
func (w *Wallet) answer(status int, body []byte, what string) (Answer, providers.Outcome, bool) {
	if status >= 500 {
		return Answer{}, providers.Outcome{Kind: providers.Unknown, Code: fmt.Sprint(status), Message: fmt.Sprintf("the gateway answered HTTP %d: the %s may or may not have gone through", status, what)}, false
	}
	if status == http.StatusForbidden {
		return Answer{}, providers.Outcome{Kind: providers.ConfigError, Code: "403", Message: "the gateway refused this account iPass calls (HTTP 403): ask the gateway to enable iPass Money for these keys"}, false
	}
	a, err := ParseAnswer(body)
	if err != nil {
		return Answer{}, providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d: %v", status, err)}, false
	}
	code := string(a.ReturnCode)
	if code == "" {
		msg := string(a.Message)
		if msg == "" {
			msg = "no return_code"
		}
		return Answer{}, providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d without a return_code: %s", status, gateway.Clip(msg))}, false
	}
	if slices.Contains(w.cfg.UncertainCodes, code) {
		return Answer{}, providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("iPass answered %s (%s): the %s may or may not have gone through", code, gateway.Clip(string(a.ReturnMsg)), what)}, false
	}
	return a, providers.Outcome{}, true
}

func (w *Wallet) refusal(a Answer, fallback string) providers.Outcome {
	msg := string(a.ReturnMsg)
	if msg == "" {
		msg = fallback
	}
	return providers.Outcome{Kind: providers.Declined, Code: string(a.ReturnCode), Message: gateway.Clip(msg), RetryScan: true}
}

// Resolve settles an unknown outcome by iPass's rule: search by order
// number; paid → Approved; anything else → void, and Voided once the void
// is answered 0000. Until then it answers Unknown.
func (w *Wallet) Resolve(ctx context.Context, req providers.PayRequest) providers.Outcome {
	no := req.Ref[RefOrderNumber]
	if no == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: the payment's ref has no %s: it was not made by this wallet's NewRef", ErrRequest, RefOrderNumber)}
	}
	out := w.resolve(ctx, req, no)
	out.Message = w.scrub(out.Message, req.Code)
	w.log.InfoContext(ctx, "ipass resolve", "payment", req.PaymentID, "order_number", no, "code", mask.Code(req.Code),
		"outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

func (w *Wallet) resolve(ctx context.Context, req providers.PayRequest, no string) providers.Outcome {
	s, out, ok := w.search(ctx, no)
	if !ok {
		return out
	}
	if s.ReturnCode == ReturnOK && ReadPayStatus(s.PayStatus) == StatePaid {
		// An approval needs the whole proof: iPass's transaction id, and
		// the answer about this order for this amount. Short of it the
		// payment stays Unknown (it says paid, so it is not voided blind).
		switch {
		case s.TransactionID == "":
			return providers.Outcome{Kind: providers.Unknown, Code: s.ReturnCode, Message: fmt.Sprintf("search says order %s is paid (%s) but gives no transaction_id: still unsettled", no, gateway.Clip(s.PayStatus))}
		case s.OrderNumber != no:
			return providers.Outcome{Kind: providers.Unknown, Code: s.ReturnCode, Message: fmt.Sprintf("search answered paid for order %q, not %q: still unsettled", gateway.Clip(s.OrderNumber), no)}
		case !s.HasAmount || s.Amount != req.Amount:
			return providers.Outcome{Kind: providers.Unknown, Code: s.ReturnCode, Message: fmt.Sprintf("search says order %s is paid but not for the %d asked (amount %d, given %v): check it with iPass", no, req.Amount, s.Amount, s.HasAmount)}
		}
		return providers.Outcome{
			Kind: providers.Approved, Code: s.ReturnCode, Message: "paid (found by search)",
			TransactionID: s.TransactionID, PaymentMethod: PaymentMethod(s.PaymentType),
			AmountPaid: req.Amount, Carrier: s.Carrier, Duplicate: true,
		}
	}
	// Not paid, not found, or a status we cannot read: void the order
	// number, so that a charge still on its way cannot stand.
	v := w.void(ctx, no, req.Code)
	if v.Kind == providers.Voided || v.Kind == providers.Unknown || v.Kind == providers.ConfigError {
		return v
	}
	if w.saysNoTrade(s.ReturnCode, s.PayStatus) && w.saysNoTrade(v.Code, "") {
		return w.notCharged(req, no, s, v)
	}
	// The answers contradict each other (no trade, yet a void refused for
	// another reason): for the operator.
	return providers.Outcome{Kind: providers.Unknown, Code: v.Code, Message: fmt.Sprintf("search found no payment (%s %s) but the void was refused (%s %s): the payment stays unsettled; check order %s with iPass",
		s.ReturnCode, gateway.Clip(s.PayStatus), v.Code, v.Message, no)}
}

// saysNoTrade reports whether an answered search or void (its return_code
// and, for search, pay_status) says iPass has no trade for the order: a
// code in not_found_codes, or a search answered 0000 with a pay_status
// read as unpaid.
func (w *Wallet) saysNoTrade(code, payStatus string) bool {
	return slices.Contains(w.cfg.NotFoundCodes, code) ||
		code == ReturnOK && payStatus != "" && ReadPayStatus(payStatus) == StateUnpaid
}

// notCharged settles a payment iPass has no trade for, by the rule of
// doc.go ("Settling by evidence"): once the code can no longer be charged
// (pos_date_time + code_ttl + settle_margin: iPass measures the code's
// expiry from pos_date_time, so no pay request, however late it arrives,
// can charge it after that), no trade now means none ever: Voided, no
// money moved. Before then it stays Unknown, without a code, since there
// is nothing for an operator to do but wait.
func (w *Wallet) notCharged(req providers.PayRequest, no string, s Search, v providers.Outcome) providers.Outcome {
	pos, err := ParseTime(req.Ref[RefPosDateTime])
	if err != nil {
		return providers.Outcome{Kind: providers.Unknown, Code: v.Code, Message: fmt.Sprintf("iPass has no trade for order %s, but the payment's pos_date_time %q does not read (%v), so when its code stopped being chargeable is unknown: check the order with iPass", no, req.Ref[RefPosDateTime], err)}
	}
	until := pos.Add(w.cfg.CodeTTL + w.cfg.SettleMargin)
	evidence := fmt.Sprintf("search %s %s, void %s", s.ReturnCode, gateway.Clip(s.PayStatus), v.Code)
	if w.now().Before(until) {
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("iPass has no trade for order %s yet (%s); its code can be charged until %s (pos_date_time + code_ttl %s + settle_margin %s): asking again until then",
			no, evidence, FormatTime(until), w.cfg.CodeTTL, w.cfg.SettleMargin)}
	}
	return providers.Outcome{Kind: providers.Voided, Code: v.Code, Message: fmt.Sprintf("not charged: iPass has no trade for order %s (%s) after %s, when its code could no longer be charged (pos_date_time %s + code_ttl %s + settle_margin %s)",
		no, evidence, FormatTime(until), req.Ref[RefPosDateTime], w.cfg.CodeTTL, w.cfg.SettleMargin)}
}

// search asks iPass for the order; ok means s is an answered search.
func (w *Wallet) search(ctx context.Context, no string) (Search, providers.Outcome, bool) {
	body := SearchBody{Request: SearchFields{Credentials: w.credentials(), ReqID: newReqID(), OrderNumber: no}, Envelope: w.envelope()}
	resp, err := w.gw.PostBuilt(ctx, SearchPath, gateway.Rebuilt(&body, func(b *SearchBody) {
		b.Request.Credentials, b.Request.ReqID = w.credentials(), newReqID()
	}))
	if err != nil {
		out := gateway.Outcome(err)
		out.NotSent = false // a search moves no money; only a payment's NotSent matters
		return Search{}, out, false
	}
	if resp.Status >= 500 {
		return Search{}, providers.Outcome{Kind: providers.Unknown, Code: fmt.Sprint(resp.Status), Message: fmt.Sprintf("search: the gateway answered HTTP %d", resp.Status)}, false
	}
	s, err := ParseSearch(resp.Body)
	if err != nil {
		return Search{}, providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("search: HTTP %d: %v", resp.Status, err)}, false
	}
	if s.ReturnCode == "" || slices.Contains(w.cfg.UncertainCodes, s.ReturnCode) {
		return Search{}, providers.Outcome{Kind: providers.Unknown, Code: s.ReturnCode, Message: fmt.Sprintf("search: no clear answer (HTTP %d, return_code %q): %s", resp.Status, s.ReturnCode, gateway.Clip(s.ReturnMsg+s.Message))}, false
	}
	return s, providers.Outcome{}, true
}

// Void takes back an approved payment by its order number. It is
// idempotent for the same payment.
func (w *Wallet) Void(ctx context.Context, req providers.PayRequest, approval providers.Outcome) providers.Outcome {
	no := req.Ref[RefOrderNumber]
	if no == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: the payment's ref has no %s", ErrRequest, RefOrderNumber)}
	}
	out := w.void(ctx, no, req.Code)
	out.Message = w.scrub(out.Message, req.Code)
	w.log.InfoContext(ctx, "ipass void", "payment", req.PaymentID, "order_number", no, "outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

func (w *Wallet) void(ctx context.Context, no, code string) providers.Outcome {
	body := VoidBody{Request: VoidFields{Credentials: w.credentials(), ReqID: newReqID(), OrderNumber: no}, Envelope: w.envelope()}
	resp, err := w.gw.PostBuilt(ctx, w.cfg.VoidPath, gateway.Rebuilt(&body, func(b *VoidBody) {
		b.Request.Credentials, b.Request.ReqID = w.credentials(), newReqID()
	}))
	if err != nil {
		return gateway.Outcome(err)
	}
	if resp.Status == http.StatusNotFound {
		return providers.Outcome{Kind: providers.ConfigError, Code: "404", Message: "the gateway has no void call at the configured void_path (HTTP 404): that path is a guess; set providers.ipass.void_path to the one the gateway documents"}
	}
	a, out, ok := w.answer(resp.Status, resp.Body, "void")
	if !ok {
		return out
	}
	if string(a.ReturnCode) != ReturnOK {
		out := w.refusal(a, "iPass refused the void")
		out.RetryScan = false
		return out
	}
	return providers.Outcome{Kind: providers.Voided, Code: ReturnOK, Message: "voided", TransactionID: string(a.CancelTransactionID)}
}

// NewRefundRef makes the refund's req_id, reused on its resends so that
// iPass (and the simulator) can recognise a repeat.
func (w *Wallet) NewRefundRef(req providers.RefundRequest, now time.Time) (providers.Ref, error) {
	if err := checkRefund(req); err != nil {
		return nil, err
	}
	return providers.Ref{RefRefundReqID: newReqID()}, nil
}

func checkRefund(req providers.RefundRequest) error {
	if err := gateway.CheckRefund(req); err != nil {
		return err
	}
	if req.Approval.TransactionID == "" {
		return fmt.Errorf("%w: the payment has no iPass transaction_id: only approved iPass payments can be refunded", ErrRequest)
	}
	return nil
}

// PartialRefunds: the refund call takes an amount (omitted = everything).
func (w *Wallet) PartialRefunds() bool { return true }

// Refund gives back (part of) a payment by its transaction_id.
func (w *Wallet) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	if err := checkRefund(req); err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	if req.Ref[RefRefundReqID] == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: the refund's ref has no %s: it was not made by NewRefundRef", ErrRequest, RefRefundReqID)}
	}
	body := RefundBody{Request: RefundFields{Credentials: w.credentials(), ReqID: req.Ref[RefRefundReqID], TransactionID: req.Approval.TransactionID, Amount: req.Amount}, Envelope: w.envelope()}
	// A resend after a 401 keeps req_id, the journaled key of this refund
	// (the refused send never reached iPass), with a fresh iv.
	resp, err := w.gw.PostBuilt(ctx, RefundPath, gateway.Rebuilt(&body, func(b *RefundBody) {
		b.Request.Credentials = w.credentials()
	}))
	var out providers.Outcome
	if err != nil {
		out = gateway.Outcome(err)
	} else {
		out = w.RefundOutcome(resp.Status, resp.Body, body.Request)
	}
	out.Message = w.scrub(out.Message, req.Payment.Code)
	w.log.InfoContext(ctx, "ipass refund", "refund", req.RefundID, "transaction_id", body.Request.TransactionID, "req_id", body.Request.ReqID,
		"amount", req.Amount, "outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

// RefundOutcome classifies the answer to a refund request.
func (w *Wallet) RefundOutcome(status int, body []byte, sent RefundFields) providers.Outcome {
	a, out, ok := w.answer(status, body, "refund")
	if !ok {
		return out
	}
	if string(a.ReturnCode) != ReturnOK {
		out := w.refusal(a, "iPass refused the refund")
		out.RetryScan = false
		return out
	}
	if a.CancelTransactionID == "" {
		return providers.Outcome{Kind: providers.Unknown, Code: ReturnOK, Message: "a refund answer without cancel_transaction_id: resend to learn the result"}
	}
	return providers.Outcome{Kind: providers.Approved, Code: ReturnOK, Message: "refunded", TransactionID: string(a.CancelTransactionID), AmountPaid: sent.Amount}
}

// Health logs in to the gateway.
func (w *Wallet) Health(ctx context.Context) error {
	return w.gw.Login(ctx)
}
