package easywallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The wire types are exported so that the simulator (easywallettest)
// decodes exactly what this package sends; the golden tests decode the
// spec's own examples into them strictly, so a misspelt field fails there.

// PayBody is the body of POST /v2/payment/easy/pay.
type PayBody struct {
	RequestDateTime string `json:"requestDateTime"` // UTC+8, yyyyMMddHHmmss
	Order           Order  `json:"order"`
	// RetryTime counts earlier sends of the same order; omitted on the
	// first (the spec marks it optional).
	RetryTime int `json:"retry_time,omitempty"`
}

// Order is the spec's Order object.
type Order struct {
	MerchantOrderNo           string      `json:"merchantOrderNo"`
	Currency                  string      `json:"currency,omitempty"`
	OrderDesc                 string      `json:"orderDesc,omitempty"`
	OrderTitle                string      `json:"orderTitle,omitempty"`
	TradeType                 string      `json:"tradeType"`
	OrderAmount               int64       `json:"orderAmount"`
	EventCode                 string      `json:"eventCode,omitempty"`
	RebateNotApplicableAmount int64       `json:"rebateNotApplicableAmount"`
	PaymentBarCode            string      `json:"paymentBarCode"`
	BranchCode                string      `json:"branchCode"`
	BranchName                string      `json:"branchName,omitempty"`
	PosSN                     string      `json:"posSN,omitempty"`
	OrderItems                []OrderItem `json:"orderItems"`
}

// OrderItem is one basket line; every field is optional in the spec.
type OrderItem struct {
	Item      string `json:"item,omitempty"`
	Qty       int64  `json:"qty,omitempty"`
	UnitPrice int64  `json:"unitPrice,omitempty"`
	Subtotal  int64  `json:"subtotal,omitempty"`
	ItemDesc  string `json:"itemDesc,omitempty"`
}

// TradeImmediate is the only trade type a POS sends.
const TradeImmediate = "IMMEDIATE"

// ReturnOK is EasyWallet's only published returnCode: success.
const ReturnOK = "00000"

// Order states seen in public client code (WALLET-FACTS.md).
const (
	StatusPreorder         = "PREORDER"
	StatusPaymentReceived  = "PAYMENT_RECEIVED"
	StatusCompleted        = "COMPLETED"
	StatusRefundProcessing = "REFUND_PROCESSING"
	StatusRefundCompleted  = "REFUND_COMPLETED"
	StatusCancelled        = "CANCELLED"
)

// Answer is the gateway's answer to pay (and, by the same guess, refund).
// Parsed leniently: returnCode is documented as "stringstring", so numbers
// are accepted for codes and numeric strings for amounts.
type Answer struct {
	ReturnCode Text     `json:"returnCode"`
	ReturnMsg  Text     `json:"returnMsg"`
	Message    Text     `json:"message"` // the gateway's own error text
	Data       *PayData `json:"data"`
}

// PayData is the answer's data object.
type PayData struct {
	SellerMemberUID            Text             `json:"sellerMemberUid"`
	MerchantOrderNo            Text             `json:"merchantOrderNo"`
	OrderNo                    Text             `json:"orderNo"`
	PaymentNo                  Text             `json:"paymentNo"`
	OrderStatus                Text             `json:"orderStatus"`
	OrderCreateDateTime        Text             `json:"orderCreateDateTime"`
	PaymentMethod              Text             `json:"paymentMethod"`
	Currency                   Text             `json:"currency"`
	OrderAmount                *Amount          `json:"orderAmount"`
	Point                      *Amount          `json:"point"`
	PaymentAmount              *Amount          `json:"paymentAmount"`
	EventCode                  Text             `json:"eventCode"`
	RebateNotApplicableAmount  *Amount          `json:"rebateNotApplicableAmount"`
	IsDuplicatedPaymentRequest Flag             `json:"isDuplicatedPaymentRequest"`
	EInvoiceCarrier            *EInvoiceCarrier `json:"einvoiceCarrier"`
	// Refund answers (a guess, like the refund call): the refund's number
	// and amount.
	RefundOrderNo Text    `json:"refundOrderNo"`
	RefundAmount  *Amount `json:"refundAmount"`
}

// EInvoiceCarrier is the customer's e-invoice carrier, if bound.
type EInvoiceCarrier struct {
	EInvoiceCarrierType Text `json:"einvoiceCarrierType"`
	EInvoiceCarrierNo   Text `json:"einvoiceCarrierNo"`
	DntFlag             Text `json:"dntFlag"`
	DntNo               Text `json:"dntNo"`
}

// RefundBody is the body of the refund call. The whole call is a GUESS
// (no refund API is published): it carries what any refund needs.
type RefundBody struct {
	RequestDateTime string `json:"requestDateTime"`
	MerchantOrderNo string `json:"merchantOrderNo"`
	RefundAmount    int64  `json:"refundAmount"`
	RefundOrderNo   string `json:"refundOrderNo"`
}

// ParseAnswer reads an answer body. It fails on anything that is not one
// JSON object with the expected types, which callers treat as Unknown.
func ParseAnswer(body []byte) (Answer, error) {
	var a Answer
	// Unmarshal, not a Decoder: it refuses anything after the object.
	if err := json.Unmarshal(body, &a); err != nil {
		return Answer{}, fmt.Errorf("the answer is not EasyWallet JSON: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("null")) {
		return Answer{}, errors.New("the answer is null")
	}
	return a, nil
}

// Text is a JSON string that also accepts a number or a boolean (kept as
// written) and null (empty).
type Text string

func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case string(b) == "true" || string(b) == "false":
		*t = Text(b)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string, got %.20s", b)
		}
		*t = Text(n.String())
	}
	return nil
}

// Amount is a whole-dollar amount written as a JSON number or a numeric
// string; fractions are refused (TWD has none on these wallets).
type Amount int64

func (a *Amount) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "null" || s == "" {
		*a = 0
		return nil
	}
	if f, ok := strings.CutSuffix(s, ".0"); ok {
		s = f
	}
	if f, ok := strings.CutSuffix(s, ".00"); ok {
		s = f
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("amount %.20q is not a whole number", s)
	}
	*a = Amount(n)
	return nil
}

// Flag is a JSON boolean that also accepts "true"/"false", "Y"/"N" and 1/0.
type Flag bool

func (f *Flag) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`)) {
	case "true", "y", "1":
		*f = true
	case "false", "n", "0", "", "null":
		*f = false
	default:
		return fmt.Errorf("flag %.20s is not a boolean", b)
	}
	return nil
}

// utc8 is Taiwan time without tzdata (Windows store PCs have none).
var utc8 = time.FixedZone("UTC+8", 8*60*60)

// DateTimeLayout is yyyyMMddHHmmss.
const DateTimeLayout = "20060102150405"

// FormatTime writes t as EasyWallet's requestDateTime (UTC+8).
func FormatTime(t time.Time) string { return t.In(utc8).Format(DateTimeLayout) }

// ParseTime reads a yyyyMMddHHmmss time in UTC+8.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(DateTimeLayout, s, utc8)
}
