package easywallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scanpay/scanpay/providers/gateway/lenient"
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
	ReturnCode lenient.Text `json:"returnCode"`
	ReturnMsg  lenient.Text `json:"returnMsg"`
	Message    lenient.Text `json:"message"` // the gateway's own error text
	Data       *PayData     `json:"data"`
}

// PayData is the answer's data object.
type PayData struct {
	SellerMemberUID           lenient.Text    `json:"sellerMemberUid"`
	MerchantOrderNo           lenient.Text    `json:"merchantOrderNo"`
	OrderNo                   lenient.Text    `json:"orderNo"`
	PaymentNo                 lenient.Text    `json:"paymentNo"`
	OrderStatus               lenient.Text    `json:"orderStatus"`
	OrderCreateDateTime       lenient.Text    `json:"orderCreateDateTime"`
	PaymentMethod             lenient.Text    `json:"paymentMethod"`
	Currency                  lenient.Text    `json:"currency"`
	OrderAmount               *lenient.Amount `json:"orderAmount"`
	Point                     *lenient.Amount `json:"point"`
	PaymentAmount             *lenient.Amount `json:"paymentAmount"`
	EventCode                 lenient.Text    `json:"eventCode"`
	RebateNotApplicableAmount *lenient.Amount `json:"rebateNotApplicableAmount"`
	// IsDuplicatedPaymentRequest keeps whether it was stated: only a
	// stated flag makes a resend's refusal a decline (ResendOutcome).
	IsDuplicatedPaymentRequest lenient.StatedFlag `json:"isDuplicatedPaymentRequest"`
	EInvoiceCarrier            *EInvoiceCarrier   `json:"einvoiceCarrier"`
	// Refund answers (a guess, like the refund call): the refund's number
	// and amount.
	RefundOrderNo lenient.Text    `json:"refundOrderNo"`
	RefundAmount  *lenient.Amount `json:"refundAmount"`
}

// EInvoiceCarrier is the customer's e-invoice carrier, if bound.
type EInvoiceCarrier struct {
	EInvoiceCarrierType lenient.Text `json:"einvoiceCarrierType"`
	EInvoiceCarrierNo   lenient.Text `json:"einvoiceCarrierNo"`
	DntFlag             lenient.Text `json:"dntFlag"`
	DntNo               lenient.Text `json:"dntNo"`
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
