package jkopaytest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// Credentials the simulator expects; Config carries them.
const (
	MerchantID = "SIM0000001"
	StoreID    = "SIMSTORE01"
	StoreName  = "scanpay sandbox store"
	// SystemName is the path segment after the host, as in
	// https://pos.jkopay.com/{system-name}/Payment.
	SystemName = "scanpay-sim"
)

var utc8 = time.FixedZone("UTC+8", 8*60*60)

// Sim is a running JKOPay simulator.
type Sim struct {
	kit *wallettest.Kit
	key string

	mu        sync.Mutex
	answers   map[string]answer // first answer of each charged MerchantTradeNo (payments and refunds)
	tombstone map[string]bool   // cancelled before any charge: a late Payment must not charge
	notFound  time.Duration     // SetNotFoundWindow
	escaped   bool              // SetSignVariant(jkopay.SignEscapedUpper)
}

// SetSignVariant makes the simulator check signatures by the named
// variant (jkopay.SignSpec, the default, or jkopay.SignEscapedUpper) and
// answer 904 to any other, as JKOPay does to a signature it cannot verify.
func (s *Sim) SetSignVariant(variant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.escaped = variant == jkopay.SignEscapedUpper
}

// SetNotFoundWindow makes the simulator behave as JKOPay is documented to
// (WALLET-FACTS.md: Inquiry may answer 916 in the first 15 s): for d after
// a Payment charged, Inquiry and Cancel of its MerchantTradeNo answer 916
// (not found) and Cancel cancels nothing. Zero (the default) records a
// payment at once.
func (s *Sim) SetNotFoundWindow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notFound = d
}

// hidden reports whether the charge of mtn is still inside the not-found
// window. s.mu is held.
func (s *Sim) hidden(mtn string) bool {
	c, ok := s.kit.Ledger.Lookup(mtn)
	return ok && s.kit.Now().Sub(c.At) < s.notFound
}

var _ wallettest.Simulator = (*Sim)(nil)

// New starts a simulator on a loopback port.
func New(opts wallettest.Options) *Sim {
	s := NewUnstarted(opts)
	s.kit.Serve(s.Handler())
	return s
}

// NewUnstarted makes a simulator without a server, for Handler() on a
// listener of the caller's choosing.
func NewUnstarted(opts wallettest.Options) *Sim {
	var k [16]byte
	_, _ = rand.Read(k[:])
	ledger := wallettest.NewLedger(jkopay.Name, opts.Now, func(n int, at time.Time) string {
		return fmt.Sprintf("J%s%07d", at.In(utc8).Format("060102150405"), n)
	})
	codes := wallettest.NewCodes(func(r *mrand.Rand) string {
		return "22" + wallettest.RandomString(r, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", 16)
	}, jkopay.ValidCardToken, opts)
	return &Sim{
		kit:       wallettest.NewKit(ledger, codes, opts),
		key:       hex.EncodeToString(k[:]),
		answers:   map[string]answer{},
		tombstone: map[string]bool{},
	}
}

// Name is "jkopay".
func (s *Sim) Name() string { return jkopay.Name }

// URL is the base_url of the simulator: its server and the system name.
func (s *Sim) URL() string {
	if u := s.kit.URL(); u != "" {
		return u + "/" + SystemName
	}
	return ""
}

// IssueCode draws a fresh JKOPay payment code.
func (s *Sim) IssueCode() string { return s.kit.Codes.Issue() }

// Inject queues faults for the next requests of call (wallettest.CallPay,
// CallCancel, CallRefund, CallInquiry; "" = any).
func (s *Sim) Inject(call string, f ...wallettest.Fault) { s.kit.Faults.Inject(call, f...) }

// Faults gives the fault queue itself (SetAlways, Clear).
func (s *Sim) Faults() *wallettest.Faults { return s.kit.Faults }

// Ledger lists the charges.
func (s *Sim) Ledger() []wallettest.Charge { return s.kit.Ledger.Charges() }

// Books is the simulator's ledger itself (refunds, lookups).
func (s *Sim) Books() *wallettest.Ledger { return s.kit.Ledger }

// MerchantKey is the key the simulator checks signatures with.
func (s *Sim) MerchantKey() string { return s.key }

// Config is a provisioned config pointing at this simulator.
func (s *Sim) Config() providers.Config { return s.JKOConfig() }

// JKOConfig is Config with its concrete type, for tests that adjust it.
// Its NotFoundWindow is the simulator's (SetNotFoundWindow; 1 ns when it
// records payments at once), and TOML-encoding it writes not_found_window,
// so a process handed this config as TOML waits the simulator's window.
func (s *Sim) JKOConfig() *jkopay.Config {
	s.mu.Lock()
	window := max(s.notFound, time.Nanosecond)
	s.mu.Unlock()
	c := &jkopay.Config{BaseURL: s.URL(), MerchantID: MerchantID, MerchantKey: s.key, StoreID: StoreID, StoreName: StoreName, CodeTTL: s.kit.Opts.CodeTTL, NotFoundWindow: window}
	if err := c.Provision(providers.Env{}); err != nil {
		panic("jkopaytest: provisioning an inline key cannot fail: " + err.Error())
	}
	return c
}

// Close stops the server, releasing hanging requests.
func (s *Sim) Close() { s.kit.Close() }

// Handler serves the API: POST .../{Call}.
func (s *Sim) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

// answer is JKOPay's answer, fields in the spec's order. IsRep is a number,
// as in the spec's example.
type answer struct {
	MerchantID      string `json:"MerchantID"`
	StoreID         string `json:"StoreID"`
	GatewayTradeNo  string `json:"GatewayTradeNo"`
	MerchantTradeNo string `json:"MerchantTradeNo"`
	PosID           string `json:"PosID"`
	TradeNo         string `json:"TradeNo"`
	IsRep           int    `json:"IsRep"`
	PaymentType     int    `json:"PaymentType"`
	TradeAmount     int64  `json:"TradeAmount"`
	DebitAmount     int64  `json:"DebitAmount"`
	RedeemName      string `json:"RedeemName"`
	RedeemAmount    int64  `json:"RedeemAmount"`
	AvailableAmount int64  `json:"AvailableAmount"`
	InvoiceVehicle  string `json:"InvoiceVehicle"`
	MerMemToken     string `json:"MerMemToken"`
	Remark          string `json:"Remark"`
	Extra1          string `json:"Extra1"`
	Extra2          string `json:"Extra2"`
	Extra3          string `json:"Extra3"`
	ActionCode      string `json:"ActionCode"`
	StatusCode      string `json:"StatusCode"`
	StatusDesc      string `json:"StatusDesc"`
	TradeTime       string `json:"TradeTime"`
}

var descs = map[string]string{
	"000": "交易成功", "804": "必要參數缺少", "901": "未定義錯誤", "904": "簽章驗證失敗", "905": "解析失敗",
	"906": "條碼已過期", "907": "非街口特約商店", "911": "用戶已停權", "916": "查無訂單", "922": "退款金額超過付款金額",
	"927": "條碼錯誤", "928": "餘額不足", "931": "用戶已達金額上限", "934": "訂單狀態不允許退款", "940": "金額需大於零",
}

// request is a checked request: its raw fields and decoded values.
type request struct {
	call string
	str  map[string]string
	num  map[string]int64
}

func (s *Sim) serve(w http.ResponseWriter, r *http.Request) {
	call := path.Base(r.URL.Path)
	fcall, ok := map[string]string{jkopay.CallPayment: wallettest.CallPay, jkopay.CallCancel: wallettest.CallCancel,
		jkopay.CallRefund: wallettest.CallRefund, jkopay.CallInquiry: wallettest.CallInquiry}[call]
	if !ok || path.Dir(r.URL.Path) != "/"+SystemName && path.Dir(r.URL.Path) != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	fault := s.kit.Faults.Next(fcall)
	if s.kit.Before(w, r, fault) {
		return
	}
	req, code, problem := s.check(call, r)
	if code != "" {
		s.kit.Log().Info("jkopay sim refused a request", "call", call, "status", code, "problem", problem)
		s.reply(w, fault, s.base(req, code))
		return
	}
	switch call {
	case jkopay.CallPayment:
		s.pay(w, fault, req)
	case jkopay.CallCancel:
		s.cancel(w, fault, req)
	case jkopay.CallRefund:
		s.refund(w, fault, req)
	case jkopay.CallInquiry:
		s.inquiry(w, fault, req)
	}
}

// check validates a request as strictly as the spec reads. It answers the
// JKOPay status code for the first problem: 905 for anything that does not
// parse or has the wrong type, length or format, 804 for a missing field,
// 904 for a bad signature, 907 for a stranger's merchant or store.
func (s *Sim) check(call string, r *http.Request) (request, string, string) {
	req := request{call: call, str: map[string]string{}, num: map[string]int64{}}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return req, "905", "Content-Type " + ct
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return req, "905", "read: " + err.Error()
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return req, "905", "not one JSON object"
	}
	specs := jkopay.FieldsOf(call)
	want := map[string]bool{"Sign": true}
	for _, f := range specs {
		want[f.Name] = true
	}
	for name := range raw {
		if !want[name] {
			return req, "905", "unexpected field " + name
		}
	}
	for _, f := range append(specs, jkopay.FieldSpec{Name: "Sign", Max: 64}) {
		v, ok := raw[f.Name]
		if !ok {
			return req, "804", "missing " + f.Name
		}
		if f.Int {
			var n json.Number
			if err := json.Unmarshal(v, &n); err != nil || bytes.HasPrefix(bytes.TrimSpace(v), []byte(`"`)) {
				return req, "905", f.Name + " is not a JSON integer"
			}
			i, err := n.Int64()
			if err != nil {
				return req, "905", f.Name + " is not an integer"
			}
			req.num[f.Name] = i
			continue
		}
		var str string
		if err := json.Unmarshal(v, &str); err != nil {
			return req, "905", f.Name + " is not a JSON string"
		}
		if utf8.RuneCountInString(str) > f.Max {
			return req, "905", fmt.Sprintf("%s is longer than %d", f.Name, f.Max)
		}
		req.str[f.Name] = str
	}
	for _, name := range []string{"MerchantID", "StoreID", "MerchantTradeNo", "PosID", "PosTradeTime", "SendTime"} {
		if req.str[name] == "" {
			return req, "804", name + " is empty"
		}
	}
	if _, err := time.ParseInLocation("2006/01/02 15:04:05", req.str["PosTradeTime"], utc8); err != nil {
		return req, "905", "PosTradeTime format"
	}
	if _, err := time.ParseInLocation("20060102150405", req.str["SendTime"], utc8); err != nil {
		return req, "905", "SendTime format"
	}
	if sig := req.str["Sign"]; len(sig) != 64 || sig != s.sign(raw) {
		return req, "904", "signature"
	}
	if req.str["MerchantID"] != MerchantID || req.str["StoreID"] != StoreID {
		return req, "907", "merchant or store"
	}
	if call == jkopay.CallInquiry && req.str["InquiryType"] != "P" && req.str["InquiryType"] != "R" {
		return req, "905", "InquiryType"
	}
	return req, "", ""
}

// sign recomputes the signature from the fields as received, on its own
// path (decode, sort, re-encode) so that the client's Sign is checked by a
// second implementation rather than by itself.
func (s *Sim) sign(raw map[string]json.RawMessage) string {
	s.mu.Lock()
	escaped := s.escaped
	s.mu.Unlock()
	names := make([]string, 0, len(raw))
	for n := range raw {
		if n != "Sign" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		buf.Write(k)
		buf.WriteByte(':')
		var v any
		d := json.NewDecoder(bytes.NewReader(raw[n]))
		d.UseNumber()
		_ = d.Decode(&v)
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(escaped)
		_ = enc.Encode(v)
		buf.Write(bytes.TrimRight(vb.Bytes(), "\n"))
	}
	buf.WriteByte('}')
	buf.WriteString(s.key)
	sum := sha256.Sum256(buf.Bytes())
	if escaped {
		return strings.ToUpper(hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(sum[:])
}

func (s *Sim) base(req request, code string) answer {
	return answer{
		MerchantID: req.str["MerchantID"], StoreID: req.str["StoreID"], GatewayTradeNo: req.str["GatewayTradeNo"],
		MerchantTradeNo: req.str["MerchantTradeNo"], PosID: req.str["PosID"], Remark: req.str["Remark"],
		Extra1: req.str["Extra1"], Extra2: req.str["Extra2"], ActionCode: "0",
		StatusCode: code, StatusDesc: descs[code],
	}
}

func (s *Sim) reply(w http.ResponseWriter, f wallettest.Fault, a answer) {
	b, err := json.Marshal(a)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.kit.Answer(w, f, http.StatusOK, b)
}

var refusals = map[wallettest.Refusal]string{
	wallettest.RefuseInsufficient: "928", wallettest.RefuseCodeExpired: "906", wallettest.RefuseCodeInvalid: "927",
	wallettest.RefuseLimit: "931", wallettest.RefuseSuspended: "911",
}

func (s *Sim) pay(w http.ResponseWriter, f wallettest.Fault, req request) {
	mtn, token, amount := req.str["MerchantTradeNo"], req.str["CardToken"], req.num["TradeAmount"]
	log := s.kit.Log().With("call", req.call, "merchant_trade_no", mtn, "code", mask.Code(token))
	if un := req.num["UnRedeem"]; amount <= 0 || un < 0 || un > amount {
		s.reply(w, f, s.base(req, "940"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tombstone[mtn] {
		// Cancelled before it arrived: JKOPay must not charge it now.
		log.Info("jkopay sim: payment after its cancel, refused")
		s.reply(w, f, s.base(req, "901"))
		return
	}
	if c, ok := s.kit.Ledger.Lookup(mtn); ok {
		s.kit.Ledger.Charge(mtn, token, amount) // counts the request
		if c.Voided {
			s.reply(w, f, s.base(req, "901"))
			return
		}
		a := s.answers[mtn]
		a.IsRep = 1
		log.Info("jkopay sim: repeated payment, first result", "trade_no", c.TransactionID)
		s.reply(w, f, a)
		return
	}
	decline := ""
	if f.Kind == wallettest.Decline {
		decline = f.Code
		if decline == "" {
			decline = "928"
		}
	} else if code, ok := refusals[wallettest.MagicDecline(amount)]; ok {
		decline = code
	} else if err := s.kit.Codes.Use(token, mtn); err != nil {
		decline = "927"
		if errors.Is(err, wallettest.ErrCodeExpired) {
			decline = "906"
		}
	}
	if decline != "" {
		log.Info("jkopay sim: declined", "status", decline)
		s.reply(w, f, s.base(req, decline))
		return
	}
	c, _ := s.kit.Ledger.Charge(mtn, token, amount)
	a := s.base(req, "000")
	a.TradeNo, a.TradeTime = c.TransactionID, c.At.In(utc8).Format("2006/01/02 15:04:05")
	a.PaymentType, a.TradeAmount, a.DebitAmount = 1, amount, amount
	a.Extra3 = `{"CardName":"街口帳戶","CardNo":"` + mask.Code(token) + `"}`
	s.answers[mtn] = a
	log.Info("jkopay sim: charged", "trade_no", c.TransactionID, "amount", amount)
	s.reply(w, f, a)
}

func (s *Sim) cancel(w http.ResponseWriter, f wallettest.Fault, req request) {
	mtn := req.str["MerchantTradeNo"]
	s.mu.Lock()
	defer s.mu.Unlock()
	// An injected decline never contradicts the ledger: a Cancel repeating
	// one that already cancelled the trade is answered as done, because
	// JKOPay's rule (send Cancel until it is answered) only works if a
	// repeated Cancel is idempotent.
	if c, ok := s.kit.Ledger.Lookup(mtn); f.Kind == wallettest.Decline && !(ok && c.Voided) {
		code := f.Code
		if code == "" {
			code = "934"
		}
		s.reply(w, f, s.base(req, code))
		return
	}
	if s.hidden(mtn) {
		s.kit.Log().Info("jkopay sim: cancel inside the not-found window", "merchant_trade_no", mtn)
		s.reply(w, f, s.base(req, "916"))
		return
	}
	c, err := s.kit.Ledger.Void(mtn)
	switch {
	case errors.Is(err, wallettest.ErrNotFound):
		s.tombstone[mtn] = true
		s.reply(w, f, s.base(req, "916"))
	case err != nil:
		s.reply(w, f, s.base(req, "934"))
	default:
		a := s.base(req, "000")
		a.TradeNo, a.TradeAmount = c.TransactionID, c.Amount
		a.TradeTime = s.kit.Now().In(utc8).Format("2006/01/02 15:04:05")
		s.kit.Log().Info("jkopay sim: cancelled", "merchant_trade_no", mtn, "trade_no", c.TransactionID)
		s.reply(w, f, a)
	}
}

func (s *Sim) refund(w http.ResponseWriter, f wallettest.Fault, req request) {
	mtn, amount := req.str["MerchantTradeNo"], req.num["TradeAmount"]
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.kit.Ledger.ByTransaction(req.str["TradeNo"])
	if !ok {
		s.reply(w, f, s.base(req, "916"))
		return
	}
	if f.Kind == wallettest.Decline {
		code := f.Code
		if code == "" {
			code = "951"
		}
		s.reply(w, f, s.base(req, code))
		return
	}
	rf, repeat, err := s.kit.Ledger.Refund(c.Key, mtn, amount)
	var code string
	switch {
	case errors.Is(err, wallettest.ErrExceeds):
		code = "922"
	case errors.Is(err, wallettest.ErrBadAmount):
		code = "940"
	case err != nil:
		code = "934"
	case repeat:
		a := s.answers[mtn]
		a.IsRep = 1
		s.reply(w, f, a)
		return
	}
	if code != "" {
		s.reply(w, f, s.base(req, code))
		return
	}
	a := s.base(req, "000")
	a.TradeNo, a.TradeAmount, a.DebitAmount = rf.TransactionID, amount, amount
	a.TradeTime = rf.At.In(utc8).Format("2006/01/02 15:04:05")
	s.answers[mtn] = a
	s.kit.Log().Info("jkopay sim: refunded", "merchant_trade_no", mtn, "of", c.Key, "amount", amount)
	s.reply(w, f, a)
}

func (s *Sim) inquiry(w http.ResponseWriter, f wallettest.Fault, req request) {
	mtn := req.str["MerchantTradeNo"]
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.answers[mtn]
	if !ok || s.hidden(mtn) {
		s.reply(w, f, s.base(req, "916"))
		return
	}
	s.reply(w, f, a)
}
