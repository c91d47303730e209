package jkopay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The API's calls, appended to base_url.
const (
	CallPayment = "Payment"
	CallCancel  = "Cancel"
	CallRefund  = "Refund"
	CallInquiry = "Inquiry"
)

// taipei is UTC+8 without tzdata: Windows store PCs have no zoneinfo.
var taipei = time.FixedZone("UTC+8", 8*60*60)

// Time layouts of the spec: PosTradeTime/TradeTime and SendTime.
const (
	TradeTimeLayout = "2006/01/02 15:04:05" // yyyy/MM/dd HH:mm:ss
	SendTimeLayout  = "20060102150405"      // yyyyMMddHHmmss
)

// TradeTime formats t as JKOPay's PosTradeTime, in UTC+8.
func TradeTime(t time.Time) string { return t.In(taipei).Format(TradeTimeLayout) }

// SendTime formats t as JKOPay's SendTime, in UTC+8.
func SendTime(t time.Time) string { return t.In(taipei).Format(SendTimeLayout) }

// Payload is one request's fields: string or int64 values, Sign excluded.
type Payload map[string]any

// Sign is JKOPay's signature rule, the only place it lives: every request
// field except Sign, serialised as JSON with keys sorted and no spaces or
// newlines, then the merchant key appended; SHA-256 of those UTF-8 bytes,
// lowercase hex. Non-ASCII text stays raw UTF-8 and <, >, & stay unescaped,
// as the public clients do.
//
// The spec's example signature was made with an unpublished merchant key,
// so it cannot be reproduced; the rule is tested with our own vectors
// (computed independently, see sign_test.go).
func Sign(p Payload, merchantKey string) (string, error) {
	return SignWith(SignSpec, p, merchantKey)
}

// Signature variants, the config's sign_variant. Public clients disagree
// and the spec's example cannot be reproduced (its key is unpublished), so
// the variant is the store's to choose against JKOPay's test system.
const (
	// SignSpec (the default) is the reading of the spec and WALLET-FACTS:
	// compact sorted JSON, <, > and & raw, lowercase hex.
	SignSpec = "spec"
	// SignEscapedUpper is the reading of the Ruby gem Wells7778/jko_pay: the same
	// JSON with <, > and & escaped (\u003c, \u003e, \u0026, as .NET and
	// Go serialisers do by default), uppercase hex.
	SignEscapedUpper = "escaped_upper"
)

// SignVariants lists the sign_variant values.
func SignVariants() []string { return []string{SignSpec, SignEscapedUpper} }

// SignWith signs p by the named variant (an unknown variant is an error).
func SignWith(variant string, p Payload, merchantKey string) (string, error) {
	if variant != SignSpec && variant != SignEscapedUpper {
		return "", fmt.Errorf("jkopay: unknown sign_variant %q: use %q or %q", variant, SignSpec, SignEscapedUpper)
	}
	canon, err := canonical(p, variant == SignEscapedUpper)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(canon, merchantKey...))
	if variant == SignEscapedUpper {
		return strings.ToUpper(hex.EncodeToString(sum[:])), nil
	}
	return hex.EncodeToString(sum[:]), nil
}

// canonical is p as compact JSON with sorted keys (encoding/json sorts map
// keys), <, > and & escaped only when escape is set.
func canonical(p Payload, escape bool) ([]byte, error) {
	if _, ok := p["Sign"]; ok {
		q := make(Payload, len(p))
		for k, v := range p {
			if k != "Sign" {
				q[k] = v
			}
		}
		p = q
	}
	return encode(p, escape)
}

func encode(p Payload, escape bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escape)
	if err := enc.Encode(map[string]any(p)); err != nil {
		return nil, fmt.Errorf("jkopay: encode request: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// body is the signed request as sent: the canonical fields of the variant
// plus Sign, so that the bytes sent are the bytes signed.
func body(p Payload, merchantKey, variant string) ([]byte, error) {
	sig, err := SignWith(variant, p, merchantKey)
	if err != nil {
		return nil, err
	}
	p["Sign"] = sig
	defer delete(p, "Sign")
	return encode(p, variant == SignEscapedUpper)
}

// FieldSpec is one request field of the spec: its name, whether it is a
// JSON integer, and its maximum length in characters (0: no limit).
type FieldSpec struct {
	Name string
	Int  bool
	Max  int
}

// fieldSpecs of each call, in the spec's order. Payment's list is the spec's
// table; Cancel repeats Payment's fields (WALLET-FACTS: code); Refund and
// Inquiry are from WALLET-FACTS.md (Refund's list inferred from public
// clients: the payment's own fields with TradeNo in place of CardToken and
// UnRedeem).
var fieldSpecs = map[string][]FieldSpec{
	CallPayment: {
		{"MerchantID", false, 10}, {"StoreID", false, 20}, {"StoreName", false, 100}, {"GatewayTradeNo", false, 20},
		{"MerchantTradeNo", false, 60}, {"PosID", false, 20}, {"PosTradeTime", false, 19}, {"CardToken", false, 18},
		{"TradeAmount", true, 0}, {"UnRedeem", true, 0}, {"Remark", false, 1000}, {"Extra1", false, 512},
		{"Extra2", false, 512}, {"Extra3", false, 512}, {"SendTime", false, 14},
	},
	CallRefund: {
		{"MerchantID", false, 10}, {"StoreID", false, 20}, {"StoreName", false, 100}, {"GatewayTradeNo", false, 20},
		{"MerchantTradeNo", false, 60}, {"PosID", false, 20}, {"PosTradeTime", false, 19}, {"TradeNo", false, 25},
		{"TradeAmount", true, 0}, {"Remark", false, 1000}, {"Extra1", false, 512}, {"Extra2", false, 512},
		{"Extra3", false, 512}, {"SendTime", false, 14},
	},
	CallInquiry: {
		{"InquiryType", false, 1}, {"MerchantID", false, 10}, {"StoreID", false, 20}, {"GatewayTradeNo", false, 20},
		{"MerchantTradeNo", false, 60}, {"PosID", false, 20}, {"PosTradeTime", false, 19}, {"SendTime", false, 14},
	},
}

// FieldsOf lists the fields of a call (nil for an unknown call). Cancel
// has Payment's fields.
func FieldsOf(call string) []FieldSpec {
	if call == CallCancel {
		call = CallPayment
	}
	return append([]FieldSpec(nil), fieldSpecs[call]...)
}

// FieldError says which field is wrong and how to fix it. Its text never
// holds the field's value (it may be a payment code).
type FieldError struct {
	Call, Field string
	Problem     string
	Fix         string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("jkopay %s: %s %s: %s", e.Call, e.Field, e.Problem, e.Fix)
}

// ErrField is matched by every *FieldError (errors.Is).
var ErrField = errors.New("jkopay request field")

func (e *FieldError) Is(target error) bool { return target == ErrField }

// fixes say how to mend a field, by where its value comes from.
var fixes = map[string]string{
	"MerchantID":      "set providers.jkopay.merchant_id to the merchant ID JKOPay issued you",
	"StoreID":         "set providers.jkopay.store_id to the store ID JKOPay issued you",
	"StoreName":       "shorten providers.jkopay.store_name",
	"PosID":           "use a terminal_id of at most 20 characters for this lane",
	"CardToken":       "ask the customer to show the JKOPay payment code again and rescan",
	"MerchantTradeNo": "this is scanpay's own reference; report it as a bug",
	"TradeNo":         "refund a payment JKOPay approved (its TradeNo is at most 25 characters)",
	"Remark":          "shorten the payment's description (at most 1000 characters)",
	"TradeAmount":     "send an amount above zero",
	"UnRedeem":        "send an undiscountable amount between 0 and the amount",
}

// Check enforces the spec on p before anything is sent: every field of the
// call present with its JSON type, lengths within limits, and the formats
// of the times and the payment code.
func Check(call string, p Payload) error {
	specs := FieldsOf(call)
	if specs == nil {
		return fmt.Errorf("jkopay: unknown call %q", call)
	}
	bad := func(field, problem string) error {
		fix := fixes[field]
		if fix == "" {
			fix = "this is scanpay's own field; report it as a bug"
		}
		return &FieldError{Call: call, Field: field, Problem: problem, Fix: fix}
	}
	for _, f := range specs {
		v, present := p[f.Name]
		if !present {
			return bad(f.Name, "is missing")
		}
		if f.Int {
			if _, ok := v.(int64); !ok {
				return bad(f.Name, "is not an integer")
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return bad(f.Name, "is not a string")
		}
		if n := utf8.RuneCountInString(s); f.Max > 0 && n > f.Max {
			return bad(f.Name, fmt.Sprintf("is %d characters long, the limit is %d", n, f.Max))
		}
	}
	if len(p) != len(specs) {
		return bad("(request)", fmt.Sprintf("has %d fields, the spec has %d", len(p), len(specs)))
	}
	for _, name := range []string{"MerchantID", "StoreID", "MerchantTradeNo", "PosID"} {
		if s, ok := p[name].(string); ok && s == "" {
			return bad(name, "is empty")
		}
	}
	if s, ok := p["PosTradeTime"].(string); ok {
		if _, err := time.Parse(TradeTimeLayout, s); err != nil {
			return bad("PosTradeTime", "is not yyyy/MM/dd HH:mm:ss")
		}
	}
	if _, err := time.Parse(SendTimeLayout, p["SendTime"].(string)); err != nil {
		return bad("SendTime", "is not yyyyMMddHHmmss")
	}
	if tok, ok := p["CardToken"].(string); ok && call == CallPayment && !ValidCardToken(tok) {
		return bad("CardToken", "is not a JKOPay payment code (22 and 16 letters or digits)")
	}
	if amt, ok := p["TradeAmount"].(int64); ok && amt <= 0 {
		return bad("TradeAmount", "is not above zero")
	}
	if un, ok := p["UnRedeem"].(int64); ok && (un < 0 || un > p["TradeAmount"].(int64)) {
		return bad("UnRedeem", "is outside 0..TradeAmount")
	}
	if s, ok := p["TradeNo"].(string); ok && s == "" {
		return bad("TradeNo", "is empty")
	}
	if s, ok := p["InquiryType"].(string); ok && s != "P" && s != "R" {
		return bad("InquiryType", "is neither P nor R")
	}
	return nil
}

// ValidCardToken reports whether s has the shape of a JKOPay payment code:
// "22" then 16 letters or digits.
func ValidCardToken(s string) bool {
	if len(s) != 18 || !strings.HasPrefix(s, "22") {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// Response is JKOPay's answer to any call, leniently decoded.
type Response struct {
	MerchantID        string
	StoreID           string
	GatewayTradeNo    string
	MerchantTradeNo   string
	PosID             string
	TradeNo           string
	TradeTime         string
	StatusCode        string
	StatusDesc        string
	IsRep             bool
	ActionCode        string
	PaymentType       int64
	TradeAmount       int64
	DebitAmount       int64
	RedeemName        string
	RedeemAmount      int64 // negative
	StoreRedeemAmount int64 // negative
	AvailableAmount   int64
	InvoiceVehicle    string
	MerMemToken       string
	Remark            string
	Extra1            string
	Extra2            string
	Extra3            string
}

// flexString takes a JSON string or number (IsRep, ActionCode arrive as
// numbers in the spec's example though its table says String) or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	*f = flexString(n.String())
	return nil
}

// flexInt takes a JSON integer, a string holding one, or null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	if err != nil {
		return fmt.Errorf("want an integer, got %.20q", string(s))
	}
	*f = flexInt(n)
	return nil
}

type wireResponse struct {
	MerchantID        flexString
	StoreID           flexString
	GatewayTradeNo    flexString
	MerchantTradeNo   flexString
	PosID             flexString
	TradeNo           flexString
	TradeTime         flexString
	StatusCode        *flexString
	StatusDesc        flexString
	IsRep             flexString
	ActionCode        flexString
	PaymentType       flexInt
	TradeAmount       flexInt
	DebitAmount       flexInt
	RedeemName        flexString
	RedeemAmount      flexInt
	StoreRedeemAmount flexInt
	AvailableAmount   flexInt
	InvoiceVehicle    flexString
	MerMemToken       flexString
	Remark            flexString
	Extra1            flexString
	Extra2            flexString
	Extra3            flexString
}

// ErrResponse is wrapped by every ParseResponse error.
var ErrResponse = errors.New("jkopay answer does not parse")

// ParseResponse decodes an answer body. It is lenient about types (numbers
// as strings and back) but insists on a JSON object with a three-digit
// StatusCode and an IsRep of 0 or 1 when present: anything else is garbage,
// after which money may have moved.
func ParseResponse(b []byte) (Response, error) {
	var w wireResponse
	if err := json.Unmarshal(b, &w); err != nil {
		return Response{}, fmt.Errorf("%w: %w", ErrResponse, err)
	}
	if w.StatusCode == nil {
		return Response{}, fmt.Errorf("%w: no StatusCode", ErrResponse)
	}
	code := string(*w.StatusCode)
	if len(code) != 3 || strings.Trim(code, "0123456789") != "" {
		return Response{}, fmt.Errorf("%w: StatusCode %.10q is not three digits", ErrResponse, code)
	}
	var rep bool
	switch w.IsRep {
	case "", "0":
	case "1":
		rep = true
	default:
		return Response{}, fmt.Errorf("%w: IsRep %.10q is neither 0 nor 1", ErrResponse, string(w.IsRep))
	}
	return Response{
		MerchantID: string(w.MerchantID), StoreID: string(w.StoreID), GatewayTradeNo: string(w.GatewayTradeNo),
		MerchantTradeNo: string(w.MerchantTradeNo), PosID: string(w.PosID), TradeNo: string(w.TradeNo),
		TradeTime: string(w.TradeTime), StatusCode: code, StatusDesc: string(w.StatusDesc), IsRep: rep,
		ActionCode: string(w.ActionCode), PaymentType: int64(w.PaymentType), TradeAmount: int64(w.TradeAmount),
		DebitAmount: int64(w.DebitAmount), RedeemName: string(w.RedeemName), RedeemAmount: int64(w.RedeemAmount),
		StoreRedeemAmount: int64(w.StoreRedeemAmount), AvailableAmount: int64(w.AvailableAmount),
		InvoiceVehicle: string(w.InvoiceVehicle), MerMemToken: string(w.MerMemToken), Remark: string(w.Remark),
		Extra1: string(w.Extra1), Extra2: string(w.Extra2), Extra3: string(w.Extra3),
	}, nil
}
