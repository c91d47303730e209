package easywallet

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
)

// Name is the registry name.
const Name = "easywallet"

// Ref keys.
const (
	RefMerchantOrderNo = "merchant_order_no"
	RefRefundOrderNo   = "refund_order_no"
)

// MaxOrderNo bounds merchantOrderNo. The spec gives no limit; 40 keeps
// well inside what gateways of this kind take and leaves room for the
// refund suffix.
const MaxOrderNo = 40

// Wallet is EasyWallet through the gateway. Safe for concurrent use.
type Wallet struct {
	cfg Config
	gw  *gateway.Client
	log *slog.Logger
	now func() time.Time
}

var (
	_ providers.Wallet        = (*Wallet)(nil)
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

// Name is "easywallet".
func (w *Wallet) Name() string { return Name }

// Gateway is the wallet's gateway client (for health pages and tests).
func (w *Wallet) Gateway() *gateway.Client { return w.gw }

// ErrRequest is wrapped by every error about a request that cannot be sent
// as it is.
var ErrRequest = gateway.ErrRequest

// NewRef makes the merchant order number: the POS order number (letters,
// digits, '-' and '_' kept) and a random suffix, so it is traceable to the
// order and unique per payment. It also checks the request, so that a bad
// one is refused before it is journaled.
func (w *Wallet) NewRef(req providers.PayRequest, now time.Time) (providers.Ref, error) {
	if err := checkPay(req); err != nil {
		return nil, err
	}
	return providers.Ref{RefMerchantOrderNo: gateway.OrderID(req.OrderNumber, MaxOrderNo)}, nil
}

func checkPay(req providers.PayRequest) error {
	return gateway.CheckPay(req, "EasyWallet")
}

// Pay sends the order; a resend (Attempt > 1) is identical but for
// retry_time and requestDateTime, and its refusal is a decline only when
// the answer says whether the wallet had seen the order (ResendOutcome).
func (w *Wallet) Pay(ctx context.Context, req providers.PayRequest) providers.Outcome {
	return w.send(ctx, req, max(req.Attempt-1, 0), "pay")
}

// Resolve settles an unknown outcome by EasyWallet's rule: resend the
// identical order with retry_time + 1. If the first send arrived, the
// answer repeats its result with isDuplicatedPaymentRequest; if it did not,
// this send is the payment. A refusal code settles it as declined only
// when the answer states isDuplicatedPaymentRequest; a bare refusal is no
// proof that the first send moved no money, so it stays Unknown (see
// ResendOutcome).
func (w *Wallet) Resolve(ctx context.Context, req providers.PayRequest) providers.Outcome {
	return w.send(ctx, req, max(req.Attempt-1, 1), "resolve")
}

func (w *Wallet) send(ctx context.Context, req providers.PayRequest, retry int, op string) providers.Outcome {
	body, err := w.payBody(req, retry)
	if err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	// A resend after a 401 is sent now: requestDateTime is the send's time.
	resp, err := w.gw.PostBuilt(ctx, PayPath, gateway.Rebuilt(&body, func(b *PayBody) { b.RequestDateTime = FormatTime(w.now()) }))
	var out providers.Outcome
	switch {
	case err != nil:
		out = gateway.Outcome(err) // never a decline
	case retry > 0:
		out = w.reader().ResendOutcome(resp.Status, resp.Body, body.Order)
	default:
		out = w.reader().PayOutcome(resp.Status, resp.Body, body.Order)
	}
	out.Message = w.scrub(out.Message, req.Code)
	w.log.InfoContext(ctx, "easywallet "+op, "payment", req.PaymentID, "merchant_order_no", body.Order.MerchantOrderNo,
		"code", mask.Code(req.Code), "amount", req.Amount, "retry_time", retry,
		"outcome", out.Kind.String(), "return_code", out.Code, "duplicate", out.Duplicate, "message", out.Message)
	return out
}

func (w *Wallet) scrub(msg, code string) string {
	return w.gw.Scrub(gateway.ScrubCode(msg, code))
}

func (w *Wallet) payBody(req providers.PayRequest, retry int) (PayBody, error) {
	if err := checkPay(req); err != nil {
		return PayBody{}, err
	}
	no := req.Ref[RefMerchantOrderNo]
	if no == "" {
		return PayBody{}, fmt.Errorf("%w: the payment's ref has no %s: it was not made by this wallet's NewRef", ErrRequest, RefMerchantOrderNo)
	}
	items := make([]OrderItem, 0, len(req.Items))
	for _, it := range req.Items {
		items = append(items, OrderItem{Item: it.Name, Qty: it.Quantity, UnitPrice: it.UnitPrice, Subtotal: it.Subtotal})
	}
	return PayBody{
		RequestDateTime: FormatTime(w.now()),
		RetryTime:       retry,
		Order: Order{
			MerchantOrderNo:           no,
			Currency:                  "TWD",
			OrderDesc:                 req.Description,
			OrderTitle:                w.cfg.OrderTitle,
			TradeType:                 TradeImmediate,
			OrderAmount:               req.Amount,
			RebateNotApplicableAmount: req.Undiscountable,
			PaymentBarCode:            req.Code,
			BranchCode:                w.cfg.BranchCode,
			BranchName:                w.cfg.BranchName,
			PosSN:                     w.cfg.PosSN,
			OrderItems:                items,
		},
	}, nil
}

func (w *Wallet) reader() Reader { return Reader{DeclineCodes: w.cfg.DeclineCodes} }

// Reader classifies the answers to pay requests. DeclineCodes are the
// returnCodes known to mean "refused, nothing charged" (decline_codes).
type Reader struct {
	DeclineCodes []string
}

// PayOutcome classifies the answer to a pay request for order sent.
func (r Reader) PayOutcome(status int, body []byte, sent Order) providers.Outcome {
	if status >= 500 {
		return providers.Outcome{Kind: providers.Unknown, Code: fmt.Sprint(status), Message: fmt.Sprintf("the gateway answered HTTP %d: the payment may or may not have gone through", status)}
	}
	if status == http.StatusForbidden {
		return providers.Outcome{Kind: providers.ConfigError, Code: "403", Message: "the gateway refused this account EasyWallet payments (HTTP 403): ask the gateway to enable EasyWallet for these keys"}
	}
	a, err := ParseAnswer(body)
	if err != nil {
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d: %v", status, err)}
	}
	code := string(a.ReturnCode)
	if code == "" {
		msg := string(a.Message)
		if msg == "" {
			msg = "no returnCode"
		}
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d without a returnCode: %s", status, gateway.Clip(msg))}
	}
	if code != ReturnOK {
		msg := string(a.ReturnMsg)
		if msg == "" {
			msg = string(a.Message)
		}
		if !slices.Contains(r.DeclineCodes, code) {
			// Not a known decline: EasyWallet publishes no code but 00000,
			// and a gateway-side timeout may have charged. Unknown, and
			// settled by a resend (Resolve), so that a second scan cannot
			// charge twice.
			return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("EasyWallet answered %s (%s), which is not a known decline (providers.easywallet.decline_codes): settling by a resend", code, gateway.Clip(msg))}
		}
		if msg == "" {
			msg = "EasyWallet refused the payment"
		}
		out := providers.Outcome{Kind: providers.Declined, Code: code, Message: gateway.Clip(msg), RetryScan: true}
		if a.Data != nil {
			out.Duplicate = a.Data.IsDuplicatedPaymentRequest.Value
		}
		return out
	}
	d := a.Data
	if d == nil {
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: "a success answer without data: the order's state is unknown"}
	}
	if string(d.MerchantOrderNo) != sent.MerchantOrderNo {
		return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("the answer is for order %q, not %q: not an approval of this order", gateway.Clip(string(d.MerchantOrderNo)), sent.MerchantOrderNo)}
	}
	st := string(d.OrderStatus)
	switch st {
	case StatusPaymentReceived, StatusCompleted, StatusRefundProcessing, StatusRefundCompleted:
		if why := contradicts(d, sent); why != "" {
			return providers.Outcome{Kind: providers.Unknown, Code: code, Message: "EasyWallet answered paid, but " + why + ": not an approval; settling by a resend, check the order with EasyWallet if it persists"}
		}
		// Refund states only come back on a duplicate after a refund: the
		// payment itself did happen.
		out := providers.Outcome{
			Kind: providers.Approved, Code: code, Message: "paid",
			TransactionID: string(d.PaymentNo), PaymentMethod: string(d.PaymentMethod),
			AmountPaid: sent.OrderAmount, Duplicate: d.IsDuplicatedPaymentRequest.Value,
		}
		if out.TransactionID == "" {
			out.TransactionID = string(d.OrderNo)
		}
		if d.PaymentAmount != nil {
			out.AmountPaid = int64(*d.PaymentAmount)
		}
		if d.Point != nil {
			out.Discount = int64(*d.Point)
		}
		if d.EInvoiceCarrier != nil {
			out.Carrier = string(d.EInvoiceCarrier.EInvoiceCarrierNo)
		}
		return out
	case StatusCancelled:
		return providers.Outcome{Kind: providers.Declined, Code: st, Message: "EasyWallet cancelled the order", RetryScan: true, Duplicate: d.IsDuplicatedPaymentRequest.Value}
	}
	return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("the order is in state %q, not paid yet", gateway.Clip(st))}
}

// contradicts says how a paid answer's data disagrees with the order sent
// (the spec's Data table: orderAmount, point, paymentAmount = orderAmount
// - point), or "" when it is a whole approval of it.
func contradicts(d *PayData, sent Order) string {
	switch {
	case d.OrderAmount == nil:
		return "it names no orderAmount"
	case int64(*d.OrderAmount) != sent.OrderAmount:
		return fmt.Sprintf("for orderAmount %d, not the %d sent", *d.OrderAmount, sent.OrderAmount)
	case d.PaymentNo == "" && d.OrderNo == "":
		return "it names neither paymentNo nor orderNo"
	case d.PaymentAmount != nil && (*d.PaymentAmount < 0 || int64(*d.PaymentAmount) > sent.OrderAmount):
		return fmt.Sprintf("paymentAmount %d is outside 0..%d", *d.PaymentAmount, sent.OrderAmount)
	case d.Point != nil && (*d.Point < 0 || int64(*d.Point) > sent.OrderAmount):
		return fmt.Sprintf("point %d is outside 0..%d", *d.Point, sent.OrderAmount)
	case d.PaymentAmount != nil && d.Point != nil && int64(*d.PaymentAmount+*d.Point) != sent.OrderAmount:
		return fmt.Sprintf("paymentAmount %d + point %d is not the orderAmount %d", *d.PaymentAmount, *d.Point, sent.OrderAmount)
	}
	return ""
}

// ResendOutcome classifies the answer to a resend (retry_time > 0:
// Resolve, or Pay with Attempt > 1) of an order that may already have been
// sent. A 00000 answer reads as on a first send (paid → Approved,
// CANCELLED → Declined). A refusal code (listed in DeclineCodes or not) is
// a decline only when the answer says, in data.isDuplicatedPaymentRequest, whether the wallet had seen
// this order before (WALLET-FACTS: a resend keeps merchantOrderNo, bumps
// retry_time, and the answer carries that flag):
//   - true: the wallet replays the order's first result, so the first send
//     was declined and no money moved;
//   - false: this is the first the wallet saw of the order, so the earlier
//     send never arrived, and this one is declined.
//
// Without the flag (a bare "order number repeated" refusal, no data, or
// data for another order) the refusal says nothing about the first send,
// which may have charged: Unknown, naming the wallet's code.
func (r Reader) ResendOutcome(status int, body []byte, sent Order) providers.Outcome {
	// Every refusal code is weighed here, listed or not: the stated flag
	// is the wallet's own word on this order.
	out := Reader{DeclineCodes: []string{refusalCode(body)}}.PayOutcome(status, body, sent)
	if out.Kind != providers.Declined || out.Code == StatusCancelled {
		return out
	}
	// A refusal code: PayOutcome parsed the answer, so this cannot fail.
	a, _ := ParseAnswer(body)
	if d := a.Data; d != nil && d.IsDuplicatedPaymentRequest.Stated &&
		(d.MerchantOrderNo == "" || string(d.MerchantOrderNo) == sent.MerchantOrderNo) {
		if d.IsDuplicatedPaymentRequest.Value {
			out.Message = "EasyWallet declined this order when it was first sent: " + out.Message
		}
		return out
	}
	return providers.Outcome{
		Kind: providers.Unknown, Code: out.Code,
		Message: fmt.Sprintf("EasyWallet answered %s (%s) to a resend of an order that may already have been charged, without saying whether it had seen the order (isDuplicatedPaymentRequest): still unsettled; check the order with EasyWallet if it persists", out.Code, out.Message),
	}
}

// refusalCode is the returnCode of body when it is a refusal (not 00000),
// or "".
func refusalCode(body []byte) string {
	a, err := ParseAnswer(body)
	if err != nil || string(a.ReturnCode) == ReturnOK {
		return ""
	}
	return string(a.ReturnCode)
}

// NewRefundRef makes the refund's own order number: the payment's merchant
// order number and a random suffix.
func (w *Wallet) NewRefundRef(req providers.RefundRequest, now time.Time) (providers.Ref, error) {
	if err := checkRefund(req); err != nil {
		return nil, err
	}
	base := req.Payment.Ref[RefMerchantOrderNo]
	return providers.Ref{RefRefundOrderNo: base + "R" + gateway.RandomHex(4)}, nil
}

func checkRefund(req providers.RefundRequest) error {
	if err := gateway.CheckRefund(req); err != nil {
		return err
	}
	if req.Payment.Ref[RefMerchantOrderNo] == "" {
		return fmt.Errorf("%w: the payment has no %s: only EasyWallet payments made by scanpay can be refunded here", ErrRequest, RefMerchantOrderNo)
	}
	return nil
}

// PartialRefunds is true by guess: the refund call itself is a guess (see
// DefaultRefundPath) and carries an amount.
func (w *Wallet) PartialRefunds() bool { return true }

// Refund sends the refund call (a GUESS, see DefaultRefundPath). Resending
// with the same Ref sends the same refundOrderNo, which the wallet is
// expected to recognise.
func (w *Wallet) Refund(ctx context.Context, req providers.RefundRequest) providers.Outcome {
	if err := checkRefund(req); err != nil {
		return providers.Outcome{Kind: providers.ConfigError, Message: err.Error()}
	}
	if req.Ref[RefRefundOrderNo] == "" {
		return providers.Outcome{Kind: providers.ConfigError, Message: fmt.Sprintf("%v: the refund's ref has no %s: it was not made by NewRefundRef", ErrRequest, RefRefundOrderNo)}
	}
	body := RefundBody{
		RequestDateTime: FormatTime(w.now()),
		MerchantOrderNo: req.Payment.Ref[RefMerchantOrderNo],
		RefundAmount:    req.Amount,
		RefundOrderNo:   req.Ref[RefRefundOrderNo],
	}
	resp, err := w.gw.PostBuilt(ctx, w.cfg.RefundPath, gateway.Rebuilt(&body, func(b *RefundBody) { b.RequestDateTime = FormatTime(w.now()) }))
	var out providers.Outcome
	if err != nil {
		out = gateway.Outcome(err)
	} else {
		out = RefundOutcome(resp.Status, resp.Body, body)
	}
	out.Message = w.scrub(out.Message, req.Payment.Code)
	w.log.InfoContext(ctx, "easywallet refund", "refund", req.RefundID, "merchant_order_no", body.MerchantOrderNo,
		"refund_order_no", body.RefundOrderNo, "amount", req.Amount, "outcome", out.Kind.String(), "return_code", out.Code, "message", out.Message)
	return out
}

// RefundOutcome classifies the answer to a refund request.
func RefundOutcome(status int, body []byte, sent RefundBody) providers.Outcome {
	if status >= 500 {
		return providers.Outcome{Kind: providers.Unknown, Code: fmt.Sprint(status), Message: fmt.Sprintf("the gateway answered HTTP %d: the refund may or may not have gone through", status)}
	}
	if status == http.StatusNotFound {
		return providers.Outcome{Kind: providers.ConfigError, Code: "404", Message: "the gateway has no refund call at the configured refund_path (HTTP 404): that path is a guess; set providers.easywallet.refund_path to the one the gateway documents"}
	}
	a, err := ParseAnswer(body)
	if err != nil {
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d: %v", status, err)}
	}
	code := string(a.ReturnCode)
	switch {
	case code == "":
		return providers.Outcome{Kind: providers.Unknown, Message: fmt.Sprintf("HTTP %d without a returnCode: %s", status, gateway.Clip(string(a.Message)))}
	case code != ReturnOK:
		msg := string(a.ReturnMsg)
		if msg == "" {
			msg = "EasyWallet refused the refund"
		}
		return providers.Outcome{Kind: providers.Declined, Code: code, Message: gateway.Clip(msg)}
	}
	out := providers.Outcome{Kind: providers.Approved, Code: code, Message: "refunded", TransactionID: sent.RefundOrderNo, AmountPaid: sent.RefundAmount}
	if d := a.Data; d != nil {
		if d.RefundAmount != nil && int64(*d.RefundAmount) != sent.RefundAmount {
			return providers.Outcome{Kind: providers.Unknown, Code: code, Message: fmt.Sprintf("the answer refunds %d, not the %d asked: check the order with EasyWallet", *d.RefundAmount, sent.RefundAmount)}
		}
		out.Duplicate = d.IsDuplicatedPaymentRequest.Value
	}
	return out
}

// Health logs in to the gateway: it proves the address and the keys
// without charging anyone.
func (w *Wallet) Health(ctx context.Context) error {
	return w.gw.Login(ctx)
}
