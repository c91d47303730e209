package linepaytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/linepay"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// Credentials the simulator expects; Config carries them.
const (
	ChannelID     = "1234567890"
	ChannelSecret = "0123456789abcdef0123456789abcdef"
)

// Codes the simulator answers besides the reference's own (see doc.go).
const (
	CodeBadParameter = "2101"
	CodeBadJSON      = "2102"
)

var utc8 = time.FixedZone("UTC+8", 8*60*60)

// Sim is a running LINE Pay simulator.
type Sim struct {
	kit *wallettest.Kit

	mu      sync.Mutex
	seen    map[string]bool // every orderId a Payment or void reached the books with
	failed  map[string]bool // orderIds whose Payment was refused (status FAIL)
	refunds map[string]int  // refunds per orderId, for their keys
}

var _ wallettest.Simulator = (*Sim)(nil)

// New starts a simulator on a loopback port. A zero CodeTTL is LINE
// Pay's 5 minutes.
func New(opts wallettest.Options) *Sim {
	s := NewUnstarted(opts)
	s.kit.Serve(s.Handler())
	return s
}

// NewUnstarted makes a simulator without a server, for Handler() on a
// listener of the caller's choosing.
func NewUnstarted(opts wallettest.Options) *Sim {
	if opts.CodeTTL <= 0 {
		opts.CodeTTL = linepay.DefaultCodeTTL
	}
	ledger := wallettest.NewLedger(linepay.Name, opts.Now, func(n int, at time.Time) string {
		return at.In(utc8).Format("20060102") + fmt.Sprintf("%011d", n) // 19 digits
	})
	codes := wallettest.NewCodes(func(r *mrand.Rand) string {
		// 38 + 16 digits: the one public TW sample's first two digits
		// (doc.go of package linepay); never 22, JKOPay's prefix.
		return "38" + wallettest.RandomString(r, "0123456789", 16)
	}, linepay.ValidOneTimeKey, opts)
	return &Sim{kit: wallettest.NewKit(ledger, codes, opts), seen: map[string]bool{}, failed: map[string]bool{}, refunds: map[string]int{}}
}

// Name is "linepay".
func (s *Sim) Name() string { return linepay.Name }

// URL is the base_url of the simulator.
func (s *Sim) URL() string { return s.kit.URL() }

// IssueCode draws a fresh oneTimeKey.
func (s *Sim) IssueCode() string { return s.kit.Codes.Issue() }

// Inject queues faults for the next requests of call (wallettest.CallPay,
// CallSearch for the status check, CallInquiry for Health's check,
// CallVoid, CallRefund; "" = any).
func (s *Sim) Inject(call string, f ...wallettest.Fault) { s.kit.Faults.Inject(call, f...) }

// Faults gives the fault queue itself (SetAlways, Clear).
func (s *Sim) Faults() *wallettest.Faults { return s.kit.Faults }

// Ledger lists the charges.
func (s *Sim) Ledger() []wallettest.Charge { return s.kit.Ledger.Charges() }

// Books is the simulator's ledger itself (refunds, lookups).
func (s *Sim) Books() *wallettest.Ledger { return s.kit.Ledger }

// Config is a provisioned config pointing at this simulator. Its
// settle_margin is 1 ns: the simulator books a request the moment it
// arrives.
func (s *Sim) Config() providers.Config { return s.LinePayConfig() }

// LinePayConfig is Config with its concrete type.
func (s *Sim) LinePayConfig() *linepay.Config {
	c := &linepay.Config{BaseURL: s.URL(), ChannelID: ChannelID, ChannelSecret: ChannelSecret, CodeTTL: s.kit.Opts.CodeTTL, SettleMargin: time.Nanosecond}
	if err := c.Provision(providers.Env{}); err != nil {
		panic("linepaytest: provisioning an inline secret cannot fail: " + err.Error())
	}
	return c
}

// Close stops the server, releasing hanging requests.
func (s *Sim) Close() { s.kit.Close() }

// Handler serves the API.
func (s *Sim) Handler() http.Handler { return http.HandlerFunc(s.serve) }

type answer struct {
	ReturnCode    string         `json:"returnCode"`
	ReturnMessage string         `json:"returnMessage"`
	Info          map[string]any `json:"info,omitempty"`
}

var messages = map[string]string{
	"0000": "Success.", "1101": "Not a LINE Pay member", "1106": "A header info error", "1141": "Payment account status error",
	"1142": "Low balance", "1150": "Transaction history does not exist.", "1155": "Transaction number of a transaction type that cannot be refunded.",
	"1164": "Exceeded refundable amount.", "1165": "A transaction already been refunded.", "1172": "There is a record of transaction with the same order number.",
	"1179": "Unable to proceed the transaction.", "1180": "The payment is expired.", "2101": "Parameter error", "2102": "JSON data format error",
}

func (s *Sim) reply(w http.ResponseWriter, f wallettest.Fault, code string, info map[string]any) {
	msg := messages[code]
	if msg == "" {
		msg = "-"
	}
	b, err := json.Marshal(answer{ReturnCode: code, ReturnMessage: msg, Info: info})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.kit.Answer(w, f, http.StatusOK, b)
}

// route names the call of a request: its fault key, the orderId (for
// order calls) and the method it must use.
func route(p string) (call, orderID, method string, ok bool) {
	if p == linepay.PayPath {
		return wallettest.CallPay, "", http.MethodPost, true
	}
	rest, found := strings.CutPrefix(p, "/v2/payments/orders/")
	if !found {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 {
		return "", "", "", false
	}
	id, err := url.PathUnescape(rest[:i])
	if err != nil {
		return "", "", "", false
	}
	switch rest[i+1:] {
	case linepay.CallCheck:
		if strings.HasPrefix(id, linepay.HealthOrderPrefix) {
			// The wallet's Health probe: faults aimed at settling a
			// payment (CallSearch) must not be spent on it.
			return wallettest.CallInquiry, id, http.MethodGet, true
		}
		return wallettest.CallSearch, id, http.MethodGet, true
	case linepay.CallVoid:
		return wallettest.CallVoid, id, http.MethodPost, true
	case linepay.CallRefund:
		return wallettest.CallRefund, id, http.MethodPost, true
	}
	return "", "", "", false
}

func (s *Sim) serve(w http.ResponseWriter, r *http.Request) {
	call, id, method, ok := route(r.URL.EscapedPath())
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		http.Error(w, method+" only", http.StatusMethodNotAllowed)
		return
	}
	fault := s.kit.Faults.Next(call)
	if s.kit.Before(w, r, fault) {
		return
	}
	if code, problem := s.checkHeaders(r); code != "" {
		s.kit.Log().Info("linepay sim refused a request", "call", call, "return_code", code, "problem", problem)
		s.reply(w, fault, code, nil)
		return
	}
	if call != wallettest.CallPay && !linepay.ValidOrderID(id) {
		s.reply(w, fault, CodeBadParameter, nil)
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		s.reply(w, fault, CodeBadJSON, nil)
		return
	}
	switch call {
	case wallettest.CallPay:
		s.pay(w, fault, b)
	case wallettest.CallSearch, wallettest.CallInquiry:
		if len(bytes.TrimSpace(b)) != 0 {
			s.reply(w, fault, CodeBadParameter, nil)
			return
		}
		s.check(w, fault, id)
	case wallettest.CallVoid:
		if code := emptyObject(b); code != "" {
			s.reply(w, fault, code, nil)
			return
		}
		s.void(w, fault, id)
	case wallettest.CallRefund:
		s.refund(w, fault, id, b)
	}
}

// checkHeaders answers 1106 (a header info error) for anything wrong in
// the channel or device headers, 2102 for a wrong Content-Type.
func (s *Sim) checkHeaders(r *http.Request) (string, string) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return CodeBadJSON, "Content-Type " + ct
	}
	if r.Header.Get(linepay.HeaderChannelID) != ChannelID || r.Header.Get(linepay.HeaderChannelSecret) != ChannelSecret {
		return "1106", "channel id or secret"
	}
	if r.Header.Get("X-LINE-Authorization") != "" || r.Header.Get("X-LINE-Authorization-Nonce") != "" {
		return "1106", "v4 signature headers on a v2 call"
	}
	prof, typ := r.Header.Get(linepay.HeaderDeviceProfileID), r.Header.Get(linepay.HeaderDeviceType)
	if (prof == "") != (typ == "") || len(prof) > linepay.MaxHeader || len(typ) > linepay.MaxHeader {
		return "1106", "device headers must come together"
	}
	return "", ""
}

// emptyObject accepts an empty body or {} (void has no body).
func emptyObject(b []byte) string {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || string(t) == "{}" {
		return ""
	}
	return CodeBadParameter
}

// decodeStrict reads one JSON object, its fields exactly those of want
// (name → required), keeping numbers exact.
func decodeStrict(b []byte, want map[string]bool) (map[string]json.RawMessage, string) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil || dec.More() || raw == nil {
		return nil, CodeBadJSON
	}
	for name := range raw {
		if _, ok := want[name]; !ok {
			return nil, CodeBadParameter
		}
	}
	for name, required := range want {
		if _, ok := raw[name]; required && !ok {
			return nil, CodeBadParameter
		}
	}
	return raw, ""
}

func str(raw json.RawMessage, max int) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" || utf8.RuneCountInString(s) > max {
		return "", false
	}
	return s, true
}

func integer(raw json.RawMessage) (int64, bool) {
	var n json.Number
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) || json.Unmarshal(raw, &n) != nil {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}

var refusals = map[wallettest.Refusal]string{
	wallettest.RefuseInsufficient: "1142", wallettest.RefuseCodeExpired: "1180", wallettest.RefuseCodeInvalid: "1101",
	wallettest.RefuseLimit: "1179", wallettest.RefuseSuspended: "1141",
}

func (s *Sim) pay(w http.ResponseWriter, f wallettest.Fault, b []byte) {
	raw, code := decodeStrict(b, map[string]bool{"productName": true, "amount": true, "currency": true, "orderId": true, "oneTimeKey": true, "capture": false, "extras": false})
	if code != "" {
		s.reply(w, f, code, nil)
		return
	}
	product, okP := str(raw["productName"], linepay.MaxProductName)
	amount, okA := integer(raw["amount"])
	currency, okC := str(raw["currency"], 3)
	id, okO := str(raw["orderId"], linepay.MaxOrderID)
	key, okK := str(raw["oneTimeKey"], linepay.KeyLength)
	capture := true
	if c, ok := raw["capture"]; ok && json.Unmarshal(c, &capture) != nil {
		okC = false
	}
	switch {
	case !okP || !okA || !okC || !okO || !okK || !linepay.ValidOrderID(id) || product == "":
		s.reply(w, f, CodeBadParameter, nil)
		return
	case currency != linepay.Currency:
		s.reply(w, f, "1178", nil)
		return
	case amount <= 0:
		s.reply(w, f, "1183", nil)
		return
	case !capture:
		// scanpay never separates capture; the simulator does not model it.
		s.reply(w, f, CodeBadParameter, nil)
		return
	}
	log := s.kit.Log().With("order_id", id, "code", mask.Code(key))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[id] {
		// LINE Pay refuses an order number it has a record of, whatever
		// became of it: the earlier result is learnt by the status check.
		if _, ok := s.kit.Ledger.Lookup(id); ok {
			s.kit.Ledger.Charge(id, key, amount) // counts the request
		}
		log.Info("linepay sim: order number seen before (1172)")
		s.reply(w, f, "1172", nil)
		return
	}
	decline := ""
	if f.Kind == wallettest.Decline {
		decline = f.Code
		if decline == "" {
			decline = "1142"
		}
	} else if c, ok := refusals[wallettest.MagicDecline(amount)]; ok {
		decline = c
	} else if err := s.kit.Codes.Use(key, id); err != nil {
		decline = "1101"
		if errors.Is(err, wallettest.ErrCodeExpired) {
			decline = "1180"
		}
	}
	s.seen[id] = true
	if decline != "" {
		s.failed[id] = true
		log.Info("linepay sim: declined", "return_code", decline)
		s.reply(w, f, decline, nil)
		return
	}
	c, _ := s.kit.Ledger.Charge(id, key, amount)
	log.Info("linepay sim: charged", "transaction_id", c.TransactionID, "amount", amount)
	s.reply(w, f, "0000", map[string]any{
		"transactionId":   json.Number(c.TransactionID),
		"orderId":         id,
		"transactionDate": c.At.UTC().Format("2006-01-02T15:04:05Z"),
		"payInfo":         []map[string]any{{"method": "BALANCE", "amount": amount}},
	})
}

func (s *Sim) check(w http.ResponseWriter, f wallettest.Fault, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == wallettest.Decline {
		s.reply(w, f, orDefault(f.Code, "1179"), nil)
		return
	}
	if c, ok := s.kit.Ledger.Lookup(id); ok {
		status := linepay.StatusComplete
		if c.Refunded >= c.Amount {
			status = linepay.StatusRefund
		}
		s.reply(w, f, "0000", map[string]any{"status": status, "transactionId": json.Number(c.TransactionID), "orderId": id,
			"payInfo": []map[string]any{{"method": "BALANCE", "amount": c.Amount}}})
		return
	}
	if s.failed[id] {
		s.reply(w, f, "0000", map[string]any{"status": linepay.StatusFail, "orderId": id})
		return
	}
	s.reply(w, f, "1150", nil)
}

// void: an order never booked is remembered (a late Payment of it is
// refused 1172) and answered 1150; a captured one cannot be voided (1155,
// a guess: the reference says it must be refunded instead).
func (s *Sim) void(w http.ResponseWriter, f wallettest.Fault, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == wallettest.Decline {
		s.reply(w, f, orDefault(f.Code, "1179"), nil)
		return
	}
	if _, ok := s.kit.Ledger.Lookup(id); ok {
		s.reply(w, f, "1155", nil)
		return
	}
	s.seen[id] = true
	s.reply(w, f, "1150", nil)
}

func (s *Sim) refund(w http.ResponseWriter, f wallettest.Fault, id string, b []byte) {
	var amount int64
	if t := bytes.TrimSpace(b); len(t) > 0 {
		raw, code := decodeStrict(b, map[string]bool{"refundAmount": false, "promotionRestriction": false})
		if code != "" {
			s.reply(w, f, code, nil)
			return
		}
		if ra, ok := raw["refundAmount"]; ok {
			n, ok := integer(ra)
			if !ok || n <= 0 {
				s.reply(w, f, CodeBadParameter, nil)
				return
			}
			amount = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.kit.Ledger.Lookup(id)
	switch {
	case f.Kind == wallettest.Decline:
		s.reply(w, f, orDefault(f.Code, "1155"), nil)
		return
	case !ok:
		s.reply(w, f, "1150", nil)
		return
	case c.Refunded >= c.Amount:
		s.reply(w, f, "1165", nil)
		return
	}
	if amount == 0 {
		amount = c.Amount - c.Refunded
	}
	s.refunds[id]++
	rf, _, err := s.kit.Ledger.Refund(id, fmt.Sprintf("%s/refund-%d", id, s.refunds[id]), amount)
	if errors.Is(err, wallettest.ErrExceeds) {
		s.reply(w, f, "1164", nil)
		return
	}
	if err != nil {
		s.reply(w, f, "1155", nil)
		return
	}
	s.kit.Log().Info("linepay sim: refunded", "order_id", id, "amount", amount, "refund_transaction_id", rf.TransactionID)
	s.reply(w, f, "0000", map[string]any{"refundTransactionId": json.Number(rf.TransactionID), "refundTransactionDate": rf.At.UTC().Format("2006-01-02T15:04:05Z")})
}

func orDefault(code, def string) string {
	if code == "" {
		return def
	}
	return code
}
