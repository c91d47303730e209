package jkopay

import (
	"bytes"
	"context"
	"crypto/rand"
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

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
)

// Name is JKOPay's registry name.
const Name = "jkopay"

// Keys of the Ref this package makes, journaled by the engine.
const (
	RefMerchantTradeNo = "merchant_trade_no"
	RefPosTradeTime    = "pos_trade_time"
	RefPosID           = "pos_id"
)

// Wallet is JKOPay for the engine: providers.Wallet, Voider, Refunder and
// HealthChecker. Safe for concurrent use.
type Wallet struct {
	cfg    Config
	url    string
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	// opened is when this wallet was made: every Payment an earlier
	// process sent was over by then (its connection died with it).
	opened time.Time
	mu     sync.Mutex
	pays   map[string]*payTrack // by MerchantTradeNo: this process's Payment requests
}

// payTrack is what the wallet remembers of its own Payment requests for
// one MerchantTradeNo, to know when a 916 can be believed.
type payTrack struct {
	inFlight int       // requests still out
	over     time.Time // when the last one ended (answered, failed or timed out)
}

var (
	_ providers.Wallet        = (*Wallet)(nil)
	_ providers.Voider        = (*Wallet)(nil)
	_ providers.Refunder      = (*Wallet)(nil)
	_ providers.HealthChecker = (*Wallet)(nil)
)

func newWallet(cfg Config, env providers.Env) *Wallet {
	if cfg.NotFoundWindow <= 0 {
		cfg.NotFoundWindow = DefaultNotFoundWindow
	}
	now := env.Clock()
	return &Wallet{
		cfg:    cfg,
		url:    strings.TrimRight(cfg.BaseURL, "/"),
		client: env.Client(cfg.Timeout),
		log:    env.Log().With("wallet", Name),
		now:    now,
		opened: now(),
		pays:   map[string]*payTrack{},
	}
}

// payStarted and payEnded bracket one Payment request of mtn.
func (w *Wallet) payStarted(mtn string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	// Forget requests long over: past the window, a 916 is believed
	// anyway, and without a record the wallet falls back to opened,
	// which is earlier still.
	for k, t := range w.pays {
		if t.inFlight == 0 && now.Sub(t.over) > w.cfg.NotFoundWindow+time.Minute {
			delete(w.pays, k)
		}
	}
	t := w.pays[mtn]
	if t == nil {
		t = &payTrack{}
		w.pays[mtn] = t
	}
	t.inFlight++
}

func (w *Wallet) payEnded(mtn string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t := w.pays[mtn]; t != nil {
		t.inFlight--
		t.over = w.now()
	}
}

// notFoundUntil is the time from which a 916 about mtn can be believed:
// NotFoundWindow after the last Payment request of mtn was over. JKOPay
// cannot receive a request after it ended (answered, failed or timed out
// on this side), so this bounds the moment JKOPay got it from above; the
// send time (PosTradeTime is fixed before the first send, and
// PayRequest.CreatedAt is earlier still, before the scan) would not,
// because a Payment can be resent later (after a not-sent retry) and take
// up to the timeout to arrive. Without a record of its own (a restart),
// every Payment was over by the time this wallet was opened. ok is false
// while a Payment of mtn is still out.
func (w *Wallet) notFoundUntil(mtn string) (until time.Time, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	over := w.opened
	if t := w.pays[mtn]; t != nil {
		if t.inFlight > 0 {
			return time.Time{}, false
		}
		over = t.over
	}
	return over.Add(w.cfg.NotFoundWindow), true
}

// Name is "jkopay".
func (w *Wallet) Name() string { return Name }

// NewRef makes the payment's MerchantTradeNo (the POS order number's
// letters and digits, "P", the UTC+8 time to the second and six random
// characters: unique, traceable to the order, at most 57 characters) and
// fixes PosTradeTime and PosID once, so every resend and Cancel repeats
// them exactly.
func (w *Wallet) NewRef(req providers.PayRequest, now time.Time) (providers.Ref, error) {
	if req.TerminalID == "" || len([]rune(req.TerminalID)) > 20 {
		return nil, &FieldError{Call: CallPayment, Field: "PosID", Problem: fmt.Sprintf("is %d characters long, JKOPay takes 1 to 20", len([]rune(req.TerminalID))), Fix: fixes["PosID"]}
	}
	return providers.Ref{
		RefMerchantTradeNo: tradeNo(req.OrderNumber, 'P', now),
		RefPosTradeTime:    TradeTime(now),
		RefPosID:           req.TerminalID,
	}, nil
}

// NewRefundRef gives a refund its own MerchantTradeNo, as JKOPay requires.
func (w *Wallet) NewRefundRef(req providers.RefundRequest, now time.Time) (providers.Ref, error) {
	return providers.Ref{
		RefMerchantTradeNo: tradeNo(req.Payment.OrderNumber, 'R', now),
		RefPosTradeTime:    TradeTime(now),
	}, nil
}

// PartialRefunds: JKOPay refunds any part up to the paid total.
func (w *Wallet) PartialRefunds() bool { return true }

const tradeNoAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I: read aloud on the phone to support

func tradeNo(order string, kind byte, now time.Time) string {
	var b strings.Builder
	for _, c := range order {
		if b.Len() == 38 {
			break
		}
		if '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' {
			b.WriteRune(c)
		}
	}
	b.WriteByte(kind)
	b.WriteString(now.In(taipei).Format("060102150405"))
	var r [6]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+)
	for _, x := range r {
		b.WriteByte(tradeNoAlphabet[int(x)%len(tradeNoAlphabet)])
	}
	return b.String()
}

// paymentPayload is the Payment (and Cancel) request of req: every field
// present, empty where there is no value.
func (w *Wallet) paymentPayload(req providers.PayRequest) (Payload, error) {
	mtn, ptt, pos := req.Ref[RefMerchantTradeNo], req.Ref[RefPosTradeTime], req.Ref[RefPosID]
	if mtn == "" || ptt == "" || pos == "" {
		return nil, errors.New("jkopay: the payment has no JKOPay reference (merchant_trade_no, pos_trade_time, pos_id): make one with NewRef and journal it before sending")
	}
	return Payload{
		"MerchantID":      w.cfg.MerchantID,
		"StoreID":         w.cfg.StoreID,
		"StoreName":       w.cfg.StoreName,
		"GatewayTradeNo":  "",
		"MerchantTradeNo": mtn,
		"PosID":           pos,
		"PosTradeTime":    ptt,
		"CardToken":       req.Code,
		"TradeAmount":     req.Amount,
		"UnRedeem":        req.Undiscountable,
		"Remark":          req.Description,
		"Extra1":          "",
		"Extra2":          "",
		"Extra3":          "",
		"SendTime":        SendTime(w.now()),
	}, nil
}

// Pay sends Payment. A resend carries the same MerchantTradeNo, so JKOPay
// answers the first result (IsRep = 1) rather than charging again.
func (w *Wallet) Pay(ctx context.Context, req providers.PayRequest) providers.Outcome {
	p, err := w.paymentPayload(req)
	if err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	mtn := req.Ref[RefMerchantTradeNo]
	w.payStarted(mtn)
	resp, err := w.send(ctx, CallPayment, p, req.Code)
	w.payEnded(mtn)
	if err != nil {
		return w.failed(err)
	}
	st := StatusOf(resp.StatusCode)
	out := providers.Outcome{Kind: st.Kind, Code: resp.StatusCode, Message: st.Message, RetryScan: st.RetryScan, Duplicate: resp.IsRep}
	if st.Kind != providers.Approved {
		return out
	}
	if why := contradicts(resp, req.Amount); why != "" {
		out := unknown("JKOPay answered success, but "+why+": not an approval; settling by Cancel", false)
		out.Code = resp.StatusCode
		return out
	}
	out.TransactionID = resp.TradeNo
	out.PaymentMethod = paymentMethod(resp.PaymentType)
	out.AmountPaid = resp.DebitAmount
	out.Discount = -(resp.RedeemAmount + resp.StoreRedeemAmount) // JKOPay sends them negative
	out.Carrier = resp.InvoiceVehicle
	return out
}

// contradicts says how a success answer disagrees with the payment asked
// for (the spec's answer table: TradeAmount as sent, DebitAmount the
// amount after discounts, RedeemAmount and StoreRedeemAmount negative; its
// example: 7 debited + 3 redeemed = 10), or "" for a whole approval.
func contradicts(r Response, amount int64) string {
	switch {
	case r.TradeNo == "":
		return "without a TradeNo"
	case r.TradeAmount != amount:
		return fmt.Sprintf("for %d TWD, not the %d asked", r.TradeAmount, amount)
	case r.DebitAmount < 0 || r.DebitAmount > r.TradeAmount:
		return fmt.Sprintf("DebitAmount %d is outside 0..TradeAmount %d", r.DebitAmount, r.TradeAmount)
	case r.RedeemAmount > 0 || r.StoreRedeemAmount > 0:
		return fmt.Sprintf("RedeemAmount %d or StoreRedeemAmount %d is positive (JKOPay sends them negative)", r.RedeemAmount, r.StoreRedeemAmount)
	case r.DebitAmount-r.RedeemAmount-r.StoreRedeemAmount != r.TradeAmount:
		return fmt.Sprintf("DebitAmount %d and the discounts %d, %d do not add up to TradeAmount %d", r.DebitAmount, r.RedeemAmount, r.StoreRedeemAmount, r.TradeAmount)
	}
	return ""
}

func paymentMethod(t int64) string {
	switch t {
	case 1:
		return "jkopay_balance"
	case 3:
		return "bank_account"
	case 4:
		return "credit_card"
	}
	return fmt.Sprintf("jkopay_type_%d", t)
}

// Resolve settles an unknown payment JKOPay's way: Cancel with the
// payment's own fields, until Cancel is answered. Cancel answered 000
// means no money moved: Voided. 916 (not found) means the same only once
// JKOPay has had NotFoundWindow (15 s) since the Payment reached it
// (notFoundUntil) by the time the Cancel was sent (not answered: a slow
// 916 may be from inside the window): earlier, JKOPay may not have
// recorded a payment it is charging. Any other answer leaves it Unknown, and the engine sends
// Cancel again.
func (w *Wallet) Resolve(ctx context.Context, req providers.PayRequest) providers.Outcome {
	asked := w.now() // a 916 tells of a moment after this one, not after its arrival
	out := w.cancel(ctx, req)
	if out.Code == "916" {
		until, ok := w.notFoundUntil(req.Ref[RefMerchantTradeNo])
		if ok && !asked.Before(until) {
			return providers.Outcome{Kind: providers.Voided, Code: out.Code, Message: "JKOPay has no such payment, " + w.cfg.NotFoundWindow.String() + " or more after the Payment: no money moved"}
		}
		out := unknown("JKOPay answered 916 (not found) less than "+w.cfg.NotFoundWindow.String()+" after the Payment, when it may not have recorded it yet; cancelling again later", false)
		out.Code = "916"
		return out
	}
	if out.Kind != providers.Voided {
		out.Kind = providers.Unknown
		out.RetryScan = false
	}
	return out
}

// Void takes an approved payment back with Cancel. Idempotent: a second
// Cancel of the same MerchantTradeNo is answered the same way.
//
// 916 is never a success here: JKOPay approved this payment, so "not
// found" is an error. Within NotFoundWindow of the Payment it is Unknown
// (JKOPay may not show it yet: the engine cancels again); after, Declined,
// and the engine refunds instead. A Cancel refused for its fields (804,
// 905) is Declined too, so the engine refunds.
//
// Cancel carries "the same fields as the Payment" (WALLET-FACTS: code),
// CardToken included; the engine erases the full code once a payment is
// approved, so CardToken is sent empty, as JKOPay's rule for a field
// without a value asks. Cancel is keyed by MerchantTradeNo; if JKOPay
// insists on the code it answers 804, and the refund (keyed by TradeNo,
// no code needed) gives the money back.
func (w *Wallet) Void(ctx context.Context, req providers.PayRequest, _ providers.Outcome) providers.Outcome {
	asked := w.now()
	out := w.cancel(ctx, req)
	switch out.Code {
	case "916":
		until, ok := w.notFoundUntil(req.Ref[RefMerchantTradeNo])
		if !ok || asked.Before(until) {
			out := unknown("JKOPay answered 916 (not found) to the Cancel of a payment it approved less than "+w.cfg.NotFoundWindow.String()+" ago; cancelling again later", false)
			out.Code = "916"
			return out
		}
		return providers.Outcome{Kind: providers.Declined, Code: out.Code, Message: "JKOPay has no such payment to cancel (916), though it approved it: refunding instead"}
	case "804", "905":
		return providers.Outcome{Kind: providers.Declined, Code: out.Code, Message: "JKOPay refused the Cancel's fields (" + out.Code + "): refunding instead"}
	}
	return out
}

func (w *Wallet) cancel(ctx context.Context, req providers.PayRequest) providers.Outcome {
	p, err := w.paymentPayload(req)
	if err != nil {
		return unknown(err.Error(), true)
	}
	resp, err := w.send(ctx, CallCancel, p, req.Code)
	if err != nil {
		out := w.failed(err)
		if out.Kind != providers.Unknown {
			// A Cancel that cannot be built is not a settled payment.
			out = unknown(out.Message, true)
		}
		return out
	}
	switch resp.StatusCode {
	case "000":
		return providers.Outcome{Kind: providers.Voided, Code: resp.StatusCode, Message: "JKOPay cancelled the payment: no money moved", TransactionID: resp.TradeNo, Duplicate: resp.IsRep}
	case "916":
		// Resolve and Void each decide what "not found" proves.
		return providers.Outcome{Kind: providers.Unknown, Code: resp.StatusCode, Message: "JKOPay has no such payment (916)"}
	}
	st := StatusOf(resp.StatusCode)
	kind := st.Kind
	if kind == providers.Approved {
		kind = providers.Unknown
	}
	return providers.Outcome{Kind: kind, Code: resp.StatusCode, Message: "JKOPay did not cancel: " + st.Message}
}

// Refund sends Refund with the refund's own MerchantTradeNo and the
// payment's TradeNo. A resend with the same Ref repeats the same
// MerchantTradeNo, which JKOPay answers with the first result (IsRep).
func (w *Wallet) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	mtn, ptt := req.Ref[RefMerchantTradeNo], req.Ref[RefPosTradeTime]
	pos := req.Payment.Ref[RefPosID]
	if mtn == "" || ptt == "" || pos == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: "jkopay: the refund has no JKOPay reference: make one with NewRefundRef and journal it before sending"}
	}
	p := Payload{
		"MerchantID":      w.cfg.MerchantID,
		"StoreID":         w.cfg.StoreID,
		"StoreName":       w.cfg.StoreName,
		"GatewayTradeNo":  "",
		"MerchantTradeNo": mtn,
		"PosID":           pos,
		"PosTradeTime":    ptt,
		"TradeNo":         req.Approval.TransactionID,
		"TradeAmount":     req.Amount,
		"Remark":          "",
		"Extra1":          "",
		"Extra2":          "",
		"Extra3":          "",
		"SendTime":        SendTime(w.now()),
	}
	resp, err := w.send(ctx, CallRefund, p, "")
	if err != nil {
		return w.failed(err)
	}
	st := StatusOf(resp.StatusCode)
	out := providers.Outcome{Kind: st.Kind, Code: resp.StatusCode, Message: st.Message, Duplicate: resp.IsRep}
	if st.Kind == providers.Approved {
		out.Message = "refund approved"
		out.TransactionID = resp.TradeNo
		out.AmountPaid = req.Amount
	}
	return out
}

// Health asks Inquiry about an order that cannot exist: 916 (or 000) proves
// the address, the merchant and the key; 904/907 name what is wrong.
func (w *Wallet) Health(ctx context.Context) error {
	now := w.now()
	p := Payload{
		"InquiryType":     "P",
		"MerchantID":      w.cfg.MerchantID,
		"StoreID":         w.cfg.StoreID,
		"GatewayTradeNo":  "",
		"MerchantTradeNo": tradeNo("HEALTH", 'H', now),
		"PosID":           "scanpay",
		"PosTradeTime":    TradeTime(now),
		"SendTime":        SendTime(now),
	}
	resp, err := w.send(ctx, CallInquiry, p, "")
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound {
		return fmt.Errorf("jkopay health: %w: nothing at this address answers JKOPay's API: check providers.jkopay.base_url (https://pos.jkopay.com/SYSTEM-NAME)", err)
	}
	if err != nil {
		return fmt.Errorf("jkopay health: %w", err)
	}
	switch resp.StatusCode {
	case "000", "916":
		return nil
	case "904":
		return fmt.Errorf("jkopay health: %w (sign_variant %q): check merchant_key, or try the other sign_variant (%s)", ErrSignatureRefused, w.cfg.SignVariant, strings.Join(SignVariants(), ", "))
	}
	return fmt.Errorf("jkopay health: status %s: %s", resp.StatusCode, StatusOf(resp.StatusCode).Message)
}

// ErrSignatureRefused is wrapped by Health's error when JKOPay answers
// 904: the address and the merchant are right, the signature is not (the
// key, or the sign_variant).
var ErrSignatureRefused = errors.New("JKOPay refused the signature (904)")

// TransportError is a request whose answer never arrived whole. NotSent
// says the connection was never made, so JKOPay cannot have seen it.
type TransportError struct {
	Call    string
	NotSent bool
	Err     error
}

func (e *TransportError) Error() string {
	if e.NotSent {
		return fmt.Sprintf("jkopay %s not sent: %v", e.Call, e.Err)
	}
	return fmt.Sprintf("jkopay %s: no usable answer: %v", e.Call, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// send checks, signs and posts one call and parses the answer.
func (w *Wallet) send(ctx context.Context, call string, p Payload, code string) (Response, error) {
	mtn, _ := p["MerchantTradeNo"].(string)
	log := w.log.With("call", call, "merchant_trade_no", mtn)
	if code != "" {
		log = log.With("code", mask.Code(code))
	}
	if err := Check(call, p); err != nil {
		log.Warn("jkopay request refused before sending", "err", err)
		return Response{}, err
	}
	b, err := body(p, w.cfg.key, w.cfg.SignVariant)
	if err != nil {
		return Response{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+"/"+call, bytes.NewReader(b))
	if err != nil {
		return Response{}, &TransportError{Call: call, NotSent: true, Err: err}
	}
	hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	start := time.Now()
	hresp, err := w.client.Do(hreq)
	if err != nil {
		// Once a connection was handed over, any byte of the request may
		// have reached JKOPay.
		terr := &TransportError{Call: call, NotSent: !connected.Load(), Err: err}
		log.Warn("jkopay request failed", "not_sent", terr.NotSent, "err", err, "elapsed", time.Since(start))
		return Response{}, terr
	}
	defer hresp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	if err != nil {
		log.Warn("jkopay answer cut off", "err", err)
		return Response{}, &TransportError{Call: call, Err: err}
	}
	if hresp.StatusCode != http.StatusOK {
		log.Warn("jkopay answered an HTTP error", "http_status", hresp.StatusCode)
		return Response{}, &HTTPError{Call: call, Status: hresp.StatusCode}
	}
	resp, err := ParseResponse(rb)
	if err != nil {
		log.Warn("jkopay answer does not parse", "err", err, "bytes", len(rb))
		return Response{}, err
	}
	if resp.MerchantTradeNo != mtn && (resp.StatusCode == "000" || resp.MerchantTradeNo != "") {
		log.Warn("jkopay answered for another MerchantTradeNo", "answered", resp.MerchantTradeNo)
		return Response{}, fmt.Errorf("%w: the answer is for MerchantTradeNo %q, not ours", ErrResponse, resp.MerchantTradeNo)
	}
	log.Info("jkopay answered", "status", resp.StatusCode, "is_rep", resp.IsRep, "trade_no", resp.TradeNo, "elapsed", time.Since(start))
	return resp, nil
}

// HTTPError is an answer with an HTTP status other than 200.
type HTTPError struct {
	Call   string
	Status int
}

func (e *HTTPError) Error() string { return fmt.Sprintf("jkopay %s: HTTP %d", e.Call, e.Status) }

// failed classifies an error of send into an Outcome.
func (w *Wallet) failed(err error) providers.Outcome {
	var fe *FieldError
	var te *TransportError
	var he *HTTPError
	switch {
	case errors.As(err, &fe):
		// Nothing was sent. A field from the config is the administrator's
		// to fix; anything else is this payment's and ends it.
		switch fe.Field {
		case "MerchantID", "StoreID", "StoreName", "MerchantTradeNo", "(request)":
			return providers.Outcome{Kind: providers.ConfigError, Message: fe.Error()}
		}
		return providers.Outcome{Kind: providers.Declined, Message: fe.Error(), RetryScan: fe.Field == "CardToken"}
	case errors.As(err, &te):
		return unknown(te.Error(), te.NotSent)
	case errors.As(err, &he):
		// JKOPay answers 200. Any other status came from something on the
		// way (a proxy, a load balancer, a wrong host), which may have
		// passed the request on before answering: nothing proves it was
		// not sent, so it is Unknown and settled by Cancel, never a
		// decline. A 404 most likely means a wrong base_url; the message
		// says so for the administrator, and Health reports it too.
		msg := he.Error() + ": no usable JKOPay answer; it may have reached JKOPay, settling by Cancel"
		if he.Status == http.StatusNotFound {
			msg = he.Error() + ": nothing at this address answers JKOPay's API: check providers.jkopay.base_url; a 404 does not prove JKOPay never saw the request, so it is settled by Cancel"
		}
		return unknown(msg, false)
	}
	return unknown(err.Error(), false)
}

func unknown(msg string, notSent bool) providers.Outcome {
	return providers.Outcome{Kind: providers.Unknown, Message: msg, NotSent: notSent}
}
