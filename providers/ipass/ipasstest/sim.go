package ipasstest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
	"github.com/scanpay/scanpay/providers/ipass"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// The simulator's account.
const (
	AuthKey     = "sim-ipass-authkey"
	AccKey      = "sim-ipass-acckey"
	OmniStoreID = "0"
	MerchantID  = "SIMMERCHANT01"
	MerchantKey = "sim-ipass-merchant-key-5a1d"
	StoreID     = "00681"
)

// Sim is the simulator. Safe for concurrent use.
type Sim struct {
	*gatewaytest.Base // URL, Handler, IssueCode, Inject, Ledger, Refunds, Faults, Auth, Close

	mu     sync.Mutex
	orders map[string]*order // by order_number
	ivs    map[string]bool
	reqIDs map[string]bool // of search and void, which must be unique
	// voidNotFound: a void of an order never charged answers
	// CodeNotFound and burns nothing (VoidUnchargedAsNotFound).
	voidNotFound bool
}

// VoidUnchargedAsNotFound makes a void of an order that was never charged
// answer CodeNotFound, as iPass does by the issue that reported it
// (search "not found", void "not found"), and leave the order number free:
// a pay request still on its way can then charge it, until its code
// expires (pos_date_time + code_ttl). Off, such a void answers 0000 and
// burns the order number, so that a late pay is refused 0006.
func (s *Sim) VoidUnchargedAsNotFound(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.voidNotFound = on
}

type order struct {
	code    string
	amount  int64
	decline string // set when declined
	voided  bool   // voided before any charge: the number is burnt
	charged bool
	isTest  bool // the pay's is_test: later calls about the order must repeat it
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
		return wallettest.RandomString(r, alnum, 22)
	}, validCode, opts)
	ledger := wallettest.NewLedger(ipass.Name, opts.Now, func(n int, at time.Time) string {
		return fmt.Sprintf("e%013d", at.Unix()%1e7*1e6+int64(n))
	})
	s := &Sim{
		Base:   gatewaytest.NewBase(wallettest.NewKit(ledger, codes, opts), AuthKey, AccKey),
		orders: map[string]*order{},
		ivs:    map[string]bool{},
		reqIDs: map[string]bool{},
	}
	// A request refused with 401 still spent its iv and (for search and
	// void) its req_id: the resend must be built anew.
	s.Auth().OnRefused(func(raw []byte) {
		var b struct {
			Request struct {
				IV    string `json:"iv"`
				ReqID string `json:"req_id"`
			} `json:"request"`
		}
		if json.Unmarshal(raw, &b) == nil {
			s.mu.Lock()
			if b.Request.IV != "" {
				s.ivs[strings.ToLower(b.Request.IV)] = true
			}
			if b.Request.ReqID != "" {
				s.reqIDs[strings.ToUpper(b.Request.ReqID)] = true
			}
			s.mu.Unlock()
		}
	})
	s.HandleFunc("POST "+ipass.PayPath, s.pay)
	s.HandleFunc("POST "+ipass.SearchPath, s.search)
	s.HandleFunc("POST "+ipass.DefaultVoidPath, s.void)
	s.HandleFunc("POST "+ipass.RefundPath, s.refund)
	return s
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// validCode: TWQR-style, 22 letters and digits (the one sample).
func validCode(c string) bool {
	if len(c) != 22 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !strings.ContainsRune(alnum, rune(c[i])) {
			return false
		}
	}
	return true
}

// Name is "ipass".
func (s *Sim) Name() string { return ipass.Name }

// Config is a ready, provisioned configuration pointing at the simulator,
// using the gateway-held credentials (omni_store_id), with the simulator's
// own decline codes as decline_codes (DeclineCodes).
func (s *Sim) Config() providers.Config {
	return s.config(&ipass.Config{OmniStoreID: OmniStoreID})
}

// MerchantConfig is like Config but with the merchant's own credentials
// (merchant_id + key, a fresh iv per request).
func (s *Sim) MerchantConfig() providers.Config {
	return s.config(&ipass.Config{MerchantID: MerchantID, Key: MerchantKey})
}

func (s *Sim) config(c *ipass.Config) providers.Config {
	c.Account = gateway.Account{BaseURL: s.URL(), AuthKey: AuthKey, AccKey: AccKey, CodeTTL: s.Kit().Opts.CodeTTL}
	c.StoreID, c.IsTest = StoreID, true
	c.DeclineCodes = DeclineCodes()
	c.NotFoundCodes = []string{CodeNotFound}
	if err := c.Provision(providers.Env{}); err != nil {
		panic("ipasstest: own config does not provision: " + err.Error())
	}
	return c
}

// omniError is the gateway's own refusal of a request (HTTP 400/403, no
// return_code).
func omniError(w http.ResponseWriter, status int, err error) {
	gatewaytest.WriteJSON(w, status, map[string]string{"message": err.Error(), "message_from": "OMNI"})
}

func (s *Sim) answer(w http.ResponseWriter, f wallettest.Fault, v map[string]any) {
	b, _ := json.Marshal(v)
	s.Kit().Answer(w, f, http.StatusOK, b)
}

func refusal(code, reqID string) map[string]any {
	return map[string]any{"return_code": code, "return_msg": message(code), "req_id": reqID, "message_from": "IPASS"}
}

func (s *Sim) pay(w http.ResponseWriter, r *http.Request) {
	b, _, f, ok := start[ipass.PayBody](s, w, r, wallettest.CallPay,
		"req_id", "trade_code", "amount", "order_number", "store_id", "terminal_id", "capture", "redeem")
	if !ok {
		return
	}
	if !s.credentialsOK(w, b.Envelope, b.Request.Credentials) {
		return
	}
	if err := s.checkPay(b.Request); err != nil {
		omniError(w, http.StatusBadRequest, err)
		return
	}
	q := b.Request
	rep := s.settle(q, b.IsTest, f)
	s.Kit().Log().Debug("ipass sim pay", "order_number", q.OrderNumber, "code", mask.Code(q.TradeCode), "amount", q.Amount,
		"return_code", rep["return_code"], "fault", f.Kind.String())
	s.answer(w, f, rep)
}

func (s *Sim) settle(q ipass.PayFields, isTest bool, f wallettest.Fault) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.orders[q.OrderNumber]; seen {
		if _, charged := s.Kit().Ledger.Lookup(q.OrderNumber); charged {
			s.Kit().Ledger.Charge(q.OrderNumber, q.TradeCode, q.Amount) // counts the request only
		}
		return refusal(CodeRepeated, q.ReqID)
	}
	decline := ""
	switch {
	case f.Kind == wallettest.Decline:
		decline = f.Code
		if decline == "" {
			decline = CodeInsufficient
		}
	case wallettest.MagicDecline(q.Amount) != wallettest.NoRefusal:
		decline = refusals[wallettest.MagicDecline(q.Amount)]
	case s.expiredByPosTime(q.PosDateTime):
		decline = CodeExpired
	default:
		switch err := s.Kit().Codes.Use(q.TradeCode, q.OrderNumber); {
		case errors.Is(err, wallettest.ErrCodeExpired):
			decline = CodeExpired
		case errors.Is(err, wallettest.ErrCodeUsed):
			decline = CodeCodeUsed
		case err != nil:
			decline = CodeInvalid
		}
	}
	o := &order{code: q.TradeCode, amount: q.Amount, decline: decline, isTest: isTest}
	s.orders[q.OrderNumber] = o
	if decline != "" {
		return refusal(decline, q.ReqID)
	}
	ch, _ := s.Kit().Ledger.Charge(q.OrderNumber, q.TradeCode, q.Amount)
	o.charged = true
	return map[string]any{
		"transaction_id": ch.TransactionID, "transaction_date_time": ipass.FormatTime(ch.At),
		"electronic_invoice_carrier": "", "payment_type": "1", "amount": q.Amount, "order_number": q.OrderNumber,
		"return_code": CodeOK, "return_msg": message(CodeOK), "req_id": q.ReqID,
	}
}

// expiredByPosTime: iPass measures a code's expiry from pos_date_time.
func (s *Sim) expiredByPosTime(v string) bool {
	if v == "" {
		return false
	}
	t, err := ipass.ParseTime(v)
	return err == nil && s.Kit().Now().Sub(t) > s.Kit().Opts.CodeTTL
}

// credentialsOK checks the credentials every call carries (pay, search,
// void and refund alike, as the gateway's pages say); it has answered the
// client when it returns false.
func (s *Sim) credentialsOK(w http.ResponseWriter, e ipass.Envelope, c ipass.Credentials) bool {
	if status, err := s.checkCredentials(e, c); err != nil {
		omniError(w, status, err)
		return false
	}
	return true
}

// checkCredentials: either the merchant's own (merchantid + key + a fresh
// 16-byte hex iv, no top-level store_id) or the gateway's (top-level
// store_id, none of the three).
func (s *Sim) checkCredentials(b ipass.Envelope, q ipass.Credentials) (int, error) {
	own := q.MerchantID != "" || q.Key != "" || q.IV != ""
	switch {
	case own && b.StoreID != "":
		return http.StatusBadRequest, errors.New("send either merchantid/key/iv or store_id, not both")
	case !own && b.StoreID == "":
		return http.StatusBadRequest, errors.New("send merchantid/key/iv or the gateway store_id")
	case !own && b.StoreID != OmniStoreID:
		return http.StatusForbidden, fmt.Errorf("the gateway holds no iPass credentials for store_id %q", b.StoreID)
	case own && (q.MerchantID != MerchantID || q.Key != MerchantKey):
		return http.StatusForbidden, errors.New("iPass merchant id or key refused")
	}
	if own {
		raw, err := hex.DecodeString(q.IV)
		if err != nil || len(raw) != 16 {
			return http.StatusBadRequest, errors.New("iv is not 16 bytes in hex")
		}
		s.mu.Lock()
		reused := s.ivs[strings.ToLower(q.IV)]
		s.ivs[strings.ToLower(q.IV)] = true
		s.mu.Unlock()
		if reused {
			return http.StatusBadRequest, errors.New("iv was used before: it must differ on every request")
		}
	}
	return 0, nil
}

func (s *Sim) checkPay(q ipass.PayFields) error {
	var problems []string
	need := func(ok bool, p string) {
		if !ok {
			problems = append(problems, p)
		}
	}
	n := utf8.RuneCountInString
	_, uerr := uuid.Parse(q.ReqID)
	need(uerr == nil && len(q.ReqID) == 36, "req_id is not a UUID")
	need(validCode(q.TradeCode), "trade_code is not 22 letters and digits")
	need(q.Amount > 0, "amount is not above zero")
	need(q.OrderNumber != "" && n(q.OrderNumber) <= ipass.MaxOrderNumber, "order_number is empty or over 100 characters")
	need(q.StoreID != "" && n(q.StoreID) <= ipass.MaxStoreID, "store_id is empty or over 20 characters")
	need(q.TerminalID != "" && n(q.TerminalID) <= ipass.MaxTerminalID, "terminal_id is empty or over 8 characters")
	need(q.Capture, "capture must be true")
	need(n(q.ProductDesc) <= ipass.MaxProductDesc, "product_desc is over 4000 characters")
	need(n(q.Remark) <= 1000, "remark is over 1000 characters")
	need(q.Redeem != nil && q.Redeem.NonRedeemAmout >= 0 && q.Redeem.NonRedeemAmout <= q.Amount, "redeem.non_redeem_amout is outside 0..amount")
	for name, v := range map[string]string{"pos_date_time": q.PosDateTime, "trade_date_time": q.TradeDateTime} {
		if v == "" {
			continue
		}
		t, err := ipass.ParseTime(v)
		if err != nil {
			problems = append(problems, name+" is not YYYY-mm-dd HH:mm:ss")
			continue
		}
		if d := t.Sub(s.Kit().Now()); d > 10*time.Minute {
			problems = append(problems, name+" is in the future (UTC+8 expected)")
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func (s *Sim) search(w http.ResponseWriter, r *http.Request) {
	b, _, f, ok := start[ipass.SearchBody](s, w, r, wallettest.CallSearch)
	if !ok || !s.credentialsOK(w, b.Envelope, b.Request.Credentials) || !s.sameMode(w, b.Request.OrderNumber, b.IsTest) {
		return
	}
	if _, err := uuid.Parse(b.Request.ReqID); err != nil || b.Request.OrderNumber == "" {
		omniError(w, http.StatusBadRequest, errors.New("request needs a UUID req_id and an orderNumber"))
		return
	}
	if !s.uniqueReqID(w, b.Request.ReqID) {
		return
	}
	no := b.Request.OrderNumber
	s.mu.Lock()
	o, seen := s.orders[no]
	s.mu.Unlock()
	ch, charged := s.Kit().Ledger.Lookup(no)
	rep := map[string]any{"return_code": CodeOK, "return_msg": message(CodeOK), "req_id": b.Request.ReqID, "order_number": no}
	switch {
	case charged:
		status := StatusPaid
		switch {
		case ch.Voided:
			status = StatusVoided
		case ch.Refunded > 0:
			status = StatusRefunded
		}
		// original_transactionId, as the gateway's Ipass Search page
		// names it (not the pay answer's transaction_id).
		rep["pay_status"], rep["payment_type"], rep["original_transactionId"] = status, "1", ch.TransactionID
		rep["amount"], rep["transaction_date_time"] = ch.Amount, ipass.FormatTime(ch.At)
	case seen && o.voided:
		rep["pay_status"] = StatusVoided
	case seen:
		rep["pay_status"] = StatusUnpaid
	default:
		rep = refusal(CodeNotFound, b.Request.ReqID)
	}
	s.answer(w, f, rep)
}

func (s *Sim) void(w http.ResponseWriter, r *http.Request) {
	b, _, f, ok := start[ipass.VoidBody](s, w, r, wallettest.CallVoid)
	if !ok || !s.credentialsOK(w, b.Envelope, b.Request.Credentials) || !s.sameMode(w, b.Request.OrderNumber, b.IsTest) {
		return
	}
	if _, err := uuid.Parse(b.Request.ReqID); err != nil || b.Request.OrderNumber == "" {
		omniError(w, http.StatusBadRequest, errors.New("request needs a UUID req_id and an order_number"))
		return
	}
	if !s.uniqueReqID(w, b.Request.ReqID) {
		return
	}
	no := b.Request.OrderNumber
	s.mu.Lock()
	defer s.mu.Unlock()
	// An injected decline never contradicts the ledger: a void repeating
	// one that already voided the order (its answer lost) is answered as
	// done, as a wallet whose void is safe to resend must.
	if c, ok := s.Kit().Ledger.Lookup(no); f.Kind == wallettest.Decline && !(ok && c.Voided) {
		s.answer(w, f, refusal(f.Code, b.Request.ReqID))
		return
	}
	ch, err := s.Kit().Ledger.Void(no)
	switch {
	case errors.Is(err, wallettest.ErrRefunded):
		s.answer(w, f, refusal(CodeRefunded, b.Request.ReqID))
		return
	case errors.Is(err, wallettest.ErrNotFound) && s.voidNotFound:
		s.answer(w, f, refusal(CodeNotFound, b.Request.ReqID))
		return
	case errors.Is(err, wallettest.ErrNotFound):
		// Nothing charged: burn the order number, so that a pay request
		// still on its way is refused (0006) instead of charging.
		if o, ok := s.orders[no]; ok {
			o.voided = true
		} else {
			s.orders[no] = &order{voided: true}
		}
	}
	rep := map[string]any{"return_code": CodeOK, "return_msg": message(CodeOK), "req_id": b.Request.ReqID, "order_number": no}
	if err == nil {
		rep["cancel_transaction_id"] = "V" + ch.TransactionID
		rep["cancel_date_time"] = ipass.FormatTime(s.Kit().Now())
	}
	s.answer(w, f, rep)
}

func (s *Sim) refund(w http.ResponseWriter, r *http.Request) {
	b, inner, f, ok := start[ipass.RefundBody](s, w, r, wallettest.CallRefund, "req_id", "transaction_id")
	if !ok || !s.credentialsOK(w, b.Envelope, b.Request.Credentials) {
		return
	}
	if ch, found := s.Kit().Ledger.ByTransaction(b.Request.TransactionID); found && !s.sameMode(w, ch.Key, b.IsTest) {
		return
	}
	q := b.Request
	if _, err := uuid.Parse(q.ReqID); err != nil {
		omniError(w, http.StatusBadRequest, errors.New("req_id is not a UUID"))
		return
	}
	if f.Kind == wallettest.Decline {
		code := f.Code
		if code == "" {
			code = CodeRefundExceeds
		}
		s.answer(w, f, refusal(code, q.ReqID))
		return
	}
	ch, found := s.Kit().Ledger.ByTransaction(q.TransactionID)
	if !found {
		s.answer(w, f, refusal(CodeNotFound, q.ReqID))
		return
	}
	amount := q.Amount
	if !bytes.Contains(inner, []byte(`"amount"`)) {
		amount = ch.Amount - ch.Refunded // omitted: everything that remains
	}
	rf, _, err := s.Kit().Ledger.Refund(ch.Key, q.ReqID, amount)
	code := CodeOK
	switch {
	case errors.Is(err, wallettest.ErrExceeds), errors.Is(err, wallettest.ErrBadAmount):
		code = CodeRefundExceeds
	case errors.Is(err, wallettest.ErrVoided):
		code = CodeVoided
	case errors.Is(err, wallettest.ErrKeyReused), errors.Is(err, wallettest.ErrDuplicateKey):
		code = CodeReqIDReused
	case err != nil:
		code = CodeUnexpected
	}
	if code != CodeOK {
		s.answer(w, f, refusal(code, q.ReqID))
		return
	}
	s.answer(w, f, map[string]any{
		"return_code": CodeOK, "return_msg": message(CodeOK), "req_id": q.ReqID,
		"cancel_transaction_id": rf.TransactionID, "cancel_date_time": ipass.FormatTime(rf.At), "amount": rf.Amount,
	})
}

// uniqueReqID refuses a search or void whose req_id was seen before (the
// spec: "序列號,為唯一值"), a request refused with 401 included. Pay and
// refund may repeat theirs: it is the payment's or refund's journaled
// reference, and their own keys (order_number, the refund's req_id) make
// the repeat safe. It has answered when it returns false.
func (s *Sim) uniqueReqID(w http.ResponseWriter, reqID string) bool {
	s.mu.Lock()
	seen := s.reqIDs[strings.ToUpper(reqID)]
	s.reqIDs[strings.ToUpper(reqID)] = true
	s.mu.Unlock()
	if seen {
		omniError(w, http.StatusBadRequest, errors.New("req_id was used before: it must be unique"))
	}
	return !seen
}

// sameMode refuses a call about an order paid with another is_test: test
// and production orders are apart, so a search, void or refund that drops
// the pay's is_test would not find it. It has answered when it returns
// false.
func (s *Sim) sameMode(w http.ResponseWriter, orderNumber string, isTest bool) bool {
	s.mu.Lock()
	o, ok := s.orders[orderNumber]
	s.mu.Unlock()
	if ok && o.code != "" && o.isTest != isTest {
		omniError(w, http.StatusBadRequest, fmt.Errorf("is_test %v differs from the payment's %v: send the pay request's is_test with every call about it", isTest, o.isTest))
		return false
	}
	return true
}

// start begins a call: the bearer token and the call's fault (Auth), the
// body decoded strictly into B, and the listed fields of its "request"
// object present; it also returns that object as sent. It has answered the
// client when it returns false.
func start[B any](s *Sim, w http.ResponseWriter, r *http.Request, call string, required ...string) (B, json.RawMessage, wallettest.Fault, bool) {
	var b B
	raw, f, ok := s.Auth().Start(s.Kit(), w, r, call)
	if !ok {
		return b, nil, f, false
	}
	if err := gatewaytest.DecodeStrict(r, &b, "request"); err != nil {
		omniError(w, http.StatusBadRequest, err)
		return b, nil, f, false
	}
	var inner struct {
		Request json.RawMessage `json:"request"`
	}
	_ = json.Unmarshal(raw, &inner)
	if err := gatewaytest.Require(inner.Request, required...); len(required) > 0 && err != nil {
		omniError(w, http.StatusBadRequest, fmt.Errorf("request: %w", err))
		return b, nil, f, false
	}
	return b, inner.Request, f, true
}
