package easywallettest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/easywallet"
	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// The simulator's account.
const (
	AuthKey    = "sim-easywallet-authkey"
	AccKey     = "sim-easywallet-acckey"
	BranchCode = "SIM01"
	BranchName = "模擬分店"
)

// Sim is the simulator. Safe for concurrent use.
type Sim struct {
	*gatewaytest.Base // URL, Handler, IssueCode, Inject, Ledger, Refunds, Faults, Auth, Close

	mu     sync.Mutex
	orders map[string]*order // by merchantOrderNo
	// refuseRepeats: answer any repeated merchantOrderNo with
	// CodeRepeatedOrder instead of the first result.
	refuseRepeats bool
}

// order is what the wallet remembers of a merchantOrderNo: enough to tell
// a resend from a different order, and the first result to repeat.
type order struct {
	code    string
	amount  int64
	rebate  int64
	charged bool
	decline string // returnCode when declined
}

var _ wallettest.Simulator = (*Sim)(nil)

// New starts a simulator on a loopback port.
func New(opts wallettest.Options) *Sim {
	s := NewUnstarted(opts)
	s.Serve()
	return s
}

// NewUnstarted makes a simulator without a server, for Handler() on a
// listener of the caller's choosing.
func NewUnstarted(opts wallettest.Options) *Sim {
	codes := wallettest.NewCodes(func(r *rand.Rand) string {
		return "99" + wallettest.RandomString(r, "0123456789", 18)
	}, validCode, opts)
	now := opts.Now
	ledger := wallettest.NewLedger(easywallet.Name, now, func(n int, at time.Time) string {
		return fmt.Sprintf("%s%06d", at.In(utc8).Format("060102"), n)
	})
	s := &Sim{
		Base:   gatewaytest.NewBase(wallettest.NewKit(ledger, codes, opts), AuthKey, AccKey),
		orders: map[string]*order{},
	}
	s.HandleFunc("POST "+easywallet.PayPath, s.pay)
	s.HandleFunc("POST "+easywallet.DefaultRefundPath, s.refund)
	return s
}

var utc8 = time.FixedZone("UTC+8", 8*60*60)

// validCode: EasyWallet codes are digits; the samples are 20 long and
// start 99, the spec's example is 14 long.
func validCode(c string) bool {
	if len(c) < 14 || len(c) > 20 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return true
}

// Name is "easywallet".
func (s *Sim) Name() string { return easywallet.Name }

// RefuseRepeatedOrders makes the simulator answer every repeated
// merchantOrderNo (an identical resend included) with CodeRepeatedOrder
// and no data (so no isDuplicatedPaymentRequest), whether or not the first
// send charged. The spec says merchantOrderNo must be unique and never
// repeated, and isDuplicatedPaymentRequest is only seen in client code, so
// a real gateway may well do this; the client must then not read the
// flag-less refusal as a decline.
func (s *Sim) RefuseRepeatedOrders(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseRepeats = on
}

// Config is a ready, provisioned configuration pointing at the simulator.
func (s *Sim) Config() providers.Config {
	c := &easywallet.Config{
		Account:    gateway.Account{BaseURL: s.URL(), AuthKey: AuthKey, AccKey: AccKey, CodeTTL: s.Kit().Opts.CodeTTL},
		BranchCode: BranchCode, BranchName: BranchName, PosSN: "SIM",
		DeclineCodes: DeclineCodes(),
	}
	if err := c.Provision(providers.Env{}); err != nil {
		panic("easywallettest: own config does not provision: " + err.Error())
	}
	return c
}

func (s *Sim) answer(w http.ResponseWriter, f wallettest.Fault, status int, v any) {
	b, _ := json.Marshal(v)
	s.Kit().Answer(w, f, status, b)
}

type reply struct {
	ReturnCode string `json:"returnCode"`
	ReturnMsg  string `json:"returnMsg"`
	Data       any    `json:"data,omitempty"`
}

func badRequest(w http.ResponseWriter, err error) {
	gatewaytest.WriteJSON(w, http.StatusBadRequest, reply{ReturnCode: CodeBadRequest, ReturnMsg: err.Error()})
}

func (s *Sim) pay(w http.ResponseWriter, r *http.Request) {
	_, f, ok := s.Auth().Start(s.Kit(), w, r, wallettest.CallPay)
	if !ok {
		return
	}
	var body easywallet.PayBody
	if err := gatewaytest.DecodeStrict(r, &body, "requestDateTime", "order"); err != nil {
		badRequest(w, err)
		return
	}
	if err := s.checkPay(body); err != nil {
		badRequest(w, err)
		return
	}
	o := body.Order
	status, rep := s.settle(o, f)
	s.Kit().Log().Debug("easywallet sim pay", "merchant_order_no", o.MerchantOrderNo, "code", mask.Code(o.PaymentBarCode),
		"amount", o.OrderAmount, "retry_time", body.RetryTime, "return_code", rep.ReturnCode, "fault", f.Kind.String())
	s.answer(w, f, status, rep)
}

// settle decides the order: a repeat answers the first result; a new one
// is declined or charged.
func (s *Sim) settle(o easywallet.Order, f wallettest.Fault) (int, reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := o.MerchantOrderNo
	if prev, ok := s.orders[key]; ok {
		if prev.code != o.PaymentBarCode || prev.amount != o.OrderAmount || prev.rebate != o.RebateNotApplicableAmount {
			return http.StatusOK, reply{ReturnCode: CodeOrderConflict, ReturnMsg: "merchantOrderNo " + key + " was used for a different order"}
		}
		if s.refuseRepeats {
			if prev.charged {
				s.Kit().Ledger.Charge(key, o.PaymentBarCode, o.OrderAmount) // counts the request, charges nothing
			}
			return http.StatusOK, reply{ReturnCode: CodeRepeatedOrder, ReturnMsg: "商店訂單編號重複 (merchantOrderNo " + key + " already used)"}
		}
		if prev.decline != "" {
			// The original decline, replayed and marked as a repeat.
			return http.StatusOK, reply{ReturnCode: prev.decline, ReturnMsg: declineMsg(prev.decline), Data: declineData(key, true)}
		}
		ch, _ := s.Kit().Ledger.Charge(key, o.PaymentBarCode, o.OrderAmount) // counts the request, charges nothing
		return http.StatusOK, s.paid(o, ch, true)
	}
	decline := ""
	switch {
	case f.Kind == wallettest.Decline:
		decline = f.Code
		if decline == "" {
			decline = CodeInsufficient
		}
	case wallettest.MagicDecline(o.OrderAmount) != wallettest.NoRefusal:
		decline = refusals[wallettest.MagicDecline(o.OrderAmount)].code
	default:
		switch err := s.Kit().Codes.Use(o.PaymentBarCode, key); {
		case errors.Is(err, wallettest.ErrCodeExpired):
			decline = CodeExpired
		case errors.Is(err, wallettest.ErrCodeUsed):
			decline = CodeCodeUsed
		case err != nil:
			decline = CodeInvalid
		}
	}
	rec := &order{code: o.PaymentBarCode, amount: o.OrderAmount, rebate: o.RebateNotApplicableAmount, decline: decline}
	s.orders[key] = rec
	if decline != "" {
		msg := declineMsg(decline)
		// isDuplicatedPaymentRequest false: the wallet says it saw this
		// order for the first time, which makes the refusal of a resend
		// whose earlier send never arrived a trustworthy decline.
		return http.StatusOK, reply{ReturnCode: decline, ReturnMsg: msg, Data: declineData(key, false)}
	}
	ch, _ := s.Kit().Ledger.Charge(key, o.PaymentBarCode, o.OrderAmount)
	rec.charged = true
	return http.StatusOK, s.paid(o, ch, false)
}

func declineMsg(code string) string {
	if msg := declineMsgs[code]; msg != "" {
		return msg
	}
	return "declined"
}

// declineData is a decline's data: which order, and whether the wallet had
// seen it before.
func declineData(merchantOrderNo string, repeat bool) map[string]any {
	return map[string]any{"merchantOrderNo": merchantOrderNo, "isDuplicatedPaymentRequest": repeat}
}

func (s *Sim) paid(o easywallet.Order, ch wallettest.Charge, dup bool) reply {
	status := easywallet.StatusPaymentReceived
	if ch.Refunded > 0 {
		status = easywallet.StatusRefundCompleted
	}
	return reply{ReturnCode: CodeOK, ReturnMsg: "SUCCESS", Data: map[string]any{
		"sellerMemberUid":            "SIM0000001",
		"merchantOrderNo":            o.MerchantOrderNo,
		"orderNo":                    "O" + ch.TransactionID,
		"paymentNo":                  ch.TransactionID,
		"orderStatus":                status,
		"orderCreateDateTime":        ch.At.In(utc8).Format(easywallet.DateTimeLayout),
		"paymentMethod":              "BALANCE",
		"currency":                   "TWD",
		"orderAmount":                o.OrderAmount,
		"point":                      0,
		"paymentAmount":              o.OrderAmount,
		"eventCode":                  o.EventCode,
		"rebateNotApplicableAmount":  o.RebateNotApplicableAmount,
		"isDuplicatedPaymentRequest": dup,
		"einvoiceCarrier":            map[string]string{"einvoiceCarrierType": "", "einvoiceCarrierNo": "", "dntFlag": "N", "dntNo": ""},
	}}
}

// checkPay is the strict server's validation of everything decoded.
func (s *Sim) checkPay(b easywallet.PayBody) error {
	if err := s.checkTime(b.RequestDateTime); err != nil {
		return err
	}
	o := b.Order
	var problems []string
	need := func(ok bool, p string) {
		if !ok {
			problems = append(problems, p)
		}
	}
	need(b.RetryTime >= 0, "retry_time is negative")
	need(o.MerchantOrderNo != "" && len(o.MerchantOrderNo) <= 50, "merchantOrderNo is empty or over 50 characters")
	need(o.Currency == "" || o.Currency == "TWD", "currency is not TWD")
	need(o.TradeType == easywallet.TradeImmediate, "tradeType is not IMMEDIATE")
	need(o.OrderAmount > 0, "orderAmount is not above zero")
	need(o.RebateNotApplicableAmount >= 0 && o.RebateNotApplicableAmount <= o.OrderAmount, "rebateNotApplicableAmount is outside 0..orderAmount")
	need(validCode(o.PaymentBarCode), "paymentBarCode is not 14-20 digits")
	need(o.BranchCode == BranchCode, "branchCode is not this merchant's branch")
	need(o.OrderItems != nil, "orderItems is missing")
	for i, it := range o.OrderItems {
		need(it.Qty >= 0 && it.UnitPrice >= 0, fmt.Sprintf("orderItems[%d] has a negative qty or unitPrice", i))
		if it.Qty != 0 && it.UnitPrice != 0 && it.Subtotal != 0 {
			need(it.Subtotal == it.Qty*it.UnitPrice, fmt.Sprintf("orderItems[%d].subtotal is not qty*unitPrice", i))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// checkTime: yyyyMMddHHmmss in UTC+8, within ten minutes of the wallet's
// clock (a PC whose clock is far off is refused, as a real server would).
func (s *Sim) checkTime(v string) error {
	t, err := easywallet.ParseTime(v)
	if err != nil || len(v) != len(easywallet.DateTimeLayout) {
		return fmt.Errorf("requestDateTime %q is not yyyyMMddHHmmss", v)
	}
	if d := s.Kit().Now().Sub(t); d > 10*time.Minute || d < -10*time.Minute {
		return fmt.Errorf("requestDateTime %q is %s away from the wallet's clock (UTC+8)", v, d.Round(time.Second))
	}
	return nil
}

func (s *Sim) refund(w http.ResponseWriter, r *http.Request) {
	_, f, ok := s.Auth().Start(s.Kit(), w, r, wallettest.CallRefund)
	if !ok {
		return
	}
	var b easywallet.RefundBody
	if err := gatewaytest.DecodeStrict(r, &b, "requestDateTime", "merchantOrderNo", "refundAmount", "refundOrderNo"); err != nil {
		badRequest(w, err)
		return
	}
	if err := s.checkTime(b.RequestDateTime); err != nil {
		badRequest(w, err)
		return
	}
	if b.RefundOrderNo == "" || b.MerchantOrderNo == "" {
		badRequest(w, errors.New("merchantOrderNo and refundOrderNo must not be empty"))
		return
	}
	if f.Kind == wallettest.Decline {
		code := f.Code
		if code == "" {
			code = CodeRefundExceeds
		}
		s.answer(w, f, http.StatusOK, reply{ReturnCode: code, ReturnMsg: "refund refused"})
		return
	}
	rf, repeat, err := s.Kit().Ledger.Refund(b.MerchantOrderNo, b.RefundOrderNo, b.RefundAmount)
	var rep reply
	switch {
	case errors.Is(err, wallettest.ErrNotFound):
		rep = reply{ReturnCode: CodeNoSuchOrder, ReturnMsg: "查無訂單 (no such order)"}
	case errors.Is(err, wallettest.ErrExceeds), errors.Is(err, wallettest.ErrBadAmount):
		rep = reply{ReturnCode: CodeRefundExceeds, ReturnMsg: "退款金額超過可退金額 (refund exceeds what remains)"}
	case errors.Is(err, wallettest.ErrKeyReused), errors.Is(err, wallettest.ErrDuplicateKey):
		rep = reply{ReturnCode: CodeRefundReused, ReturnMsg: "refundOrderNo already used for another refund"}
	case errors.Is(err, wallettest.ErrVoided):
		rep = reply{ReturnCode: CodeOrderVoided, ReturnMsg: "order was cancelled"}
	case err != nil:
		rep = reply{ReturnCode: CodeBadRequest, ReturnMsg: err.Error()}
	default:
		ch, _ := s.Kit().Ledger.Lookup(b.MerchantOrderNo)
		status := easywallet.StatusRefundCompleted
		if ch.Refunded < ch.Amount {
			status = easywallet.StatusCompleted
		}
		rep = reply{ReturnCode: CodeOK, ReturnMsg: "SUCCESS", Data: map[string]any{
			"merchantOrderNo": b.MerchantOrderNo, "refundOrderNo": rf.Key, "refundNo": rf.TransactionID,
			"refundAmount": rf.Amount, "orderStatus": status, "isDuplicatedPaymentRequest": repeat,
		}}
	}
	s.answer(w, f, http.StatusOK, rep)
}
