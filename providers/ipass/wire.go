package ipass

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/scanpay/scanpay/providers/gateway/lenient"
)

// The wire types are exported so that the simulator (ipasstest) decodes
// exactly what this package sends; the golden tests decode the spec's own
// example into them strictly.

// Envelope is what every call's body carries beside its request object
// (pay, search, void and refund alike: the spec's pay table and the
// gateway's Ipass Search, Void and Refund pages).
type Envelope struct {
	// StoreID is the gateway's store code, which selects the credentials
	// the gateway holds (omni_store_id); omitted with the merchant's own.
	StoreID string `json:"store_id,omitempty"`
	IsTest  bool   `json:"is_test,omitempty"`
}

// Credentials are the merchant's own iPass credentials, sent inside every
// call's request object in merchant mode (empty, and omitted, in omni
// mode): merchantid, key, and an iv drawn afresh for every request.
type Credentials struct {
	MerchantID string `json:"merchantid,omitempty"`
	Key        string `json:"key,omitempty"`
	IV         string `json:"iv,omitempty"`
}

// PayBody is the body of POST /v1/payment/ipass/offline/pay.
type PayBody struct {
	Request PayFields `json:"request"`
	Envelope
}

// PayFields is the spec's Request object.
type PayFields struct {
	Credentials
	ReqID         string  `json:"req_id"`
	TradeCode     string  `json:"trade_code"`
	Amount        int64   `json:"amount"`
	OrderNumber   string  `json:"order_number"`
	StoreID       string  `json:"store_id"`
	TerminalID    string  `json:"terminal_id"`
	Capture       bool    `json:"capture"`
	PosDateTime   string  `json:"pos_date_time,omitempty"`
	TradeDateTime string  `json:"trade_date_time,omitempty"`
	ProductDesc   string  `json:"product_desc,omitempty"`
	Remark        string  `json:"remark,omitempty"`
	Redeem        *Redeem `json:"redeem,omitempty"`
}

// Redeem carries the amount no discount may apply to.
type Redeem struct {
	NonRedeemAmout int64 `json:"non_redeem_amout"` // sic: the spec's spelling
}

// SearchBody is the body of the search call; note the camelCase
// orderNumber, as documented.
type SearchBody struct {
	Request SearchFields `json:"request"`
	Envelope
}

// SearchFields is the search call's request object.
type SearchFields struct {
	Credentials
	ReqID       string `json:"req_id"`
	OrderNumber string `json:"orderNumber"`
}

// VoidBody is the body of the void call.
type VoidBody struct {
	Request VoidFields `json:"request"`
	Envelope
}

// VoidFields is the void call's request object.
type VoidFields struct {
	Credentials
	ReqID       string `json:"req_id"`
	OrderNumber string `json:"order_number"`
}

// RefundBody is the body of the refund call.
type RefundBody struct {
	Request RefundFields `json:"request"`
	Envelope
}

// RefundFields is the refund call's request object. Amount omitted would
// mean the whole payment; scanpay always says how much.
type RefundFields struct {
	Credentials
	ReqID         string `json:"req_id"`
	TransactionID string `json:"transaction_id"`
	Amount        int64  `json:"amount"`
}

// Return codes from the spec.
const (
	ReturnOK         = "0000"
	ReturnRepeated   = "0006" // order number repeated
	ReturnUnexpected = "9999"
)

// Answer is an answer of pay, void or refund (all share the shape).
type Answer struct {
	Message                  lenient.Text    `json:"message"` // the gateway's own error text
	ReturnCode               lenient.Text    `json:"return_code"`
	ReturnMsg                lenient.Text    `json:"return_msg"`
	ReqID                    lenient.Text    `json:"req_id"`
	TransactionID            lenient.Text    `json:"transaction_id"`
	TransactionDateTime      lenient.Text    `json:"transaction_date_time"`
	ElectronicInvoiceCarrier lenient.Text    `json:"electronic_invoice_carrier"`
	PaymentType              lenient.Text    `json:"payment_type"`
	Amount                   *lenient.Amount `json:"amount"`
	OrderNumber              lenient.Text    `json:"order_number"`
	MessageFrom              lenient.Text    `json:"message_from"`
	CancelTransactionID      lenient.Text    `json:"cancel_transaction_id"`
	CancelDateTime           lenient.Text    `json:"cancel_date_time"`
}

// ParseAnswer reads a pay, void or refund answer. Anything but one JSON
// object of the expected types is an error, which callers treat as Unknown.
func ParseAnswer(body []byte) (Answer, error) {
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return Answer{}, fmt.Errorf("the answer is not iPass JSON: %w", err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("null")) {
		return Answer{}, errors.New("the answer is null")
	}
	return a, nil
}

// Search is a search answer, read leniently: the documentation's table is
// garbled, so field names are matched without regard to case or
// underscores (pay_status, payStatus, PayStatus) and may sit at the top or
// one level down (data, transaction, result).
type Search struct {
	ReturnCode    string
	ReturnMsg     string
	Message       string
	PayStatus     string
	PaymentType   string
	TransactionID string
	OrderNumber   string
	Amount        int64
	HasAmount     bool
	Carrier       string
	DateTime      string
}

// ParseSearch reads a search answer.
func ParseSearch(body []byte) (Search, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return Search{}, fmt.Errorf("the search answer is not a JSON object: %w", err)
	}
	if top == nil {
		return Search{}, errors.New("the search answer is null")
	}
	fields := map[string]json.RawMessage{}
	// Keys are taken in sorted order, so that when two spellings of one
	// field are present the same one wins every time.
	add := func(m map[string]json.RawMessage) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if _, seen := fields[fold(k)]; !seen {
				fields[fold(k)] = m[k]
			}
		}
	}
	add(top)
	for _, nest := range []string{"data", "transaction", "result"} {
		for _, k := range slices.Sorted(maps.Keys(top)) {
			if fold(k) != nest {
				continue
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(top[k], &m) == nil {
				add(m)
			}
		}
	}
	var s Search
	var err error
	text := func(dst *string, names ...string) {
		for _, n := range names {
			if v, ok := fields[n]; ok && err == nil {
				var t lenient.Text
				if e := json.Unmarshal(v, &t); e != nil {
					err = fmt.Errorf("search answer field %s: %w", n, e)
					return
				}
				if t != "" {
					*dst = string(t)
					return
				}
			}
		}
	}
	text(&s.ReturnCode, "returncode")
	text(&s.ReturnMsg, "returnmsg")
	text(&s.Message, "message")
	// pay_status only: a generic "status" may be the API's own
	// ("success": the search worked), which says nothing of the payment.
	text(&s.PayStatus, "paystatus")
	text(&s.PaymentType, "paymenttype")
	// The gateway's Ipass Search page names the charge
	// original_transactionId; transaction_id is read too, in case.
	text(&s.TransactionID, "originaltransactionid", "transactionid")
	text(&s.OrderNumber, "ordernumber")
	text(&s.Carrier, "electronicinvoicecarrier")
	text(&s.DateTime, "transactiondatetime")
	if v, ok := fields["amount"]; ok && err == nil {
		var a lenient.Amount
		if e := json.Unmarshal(v, &a); e != nil {
			err = fmt.Errorf("search answer field amount: %w", e)
		} else if string(v) != "null" {
			s.Amount, s.HasAmount = int64(a), true
		}
	}
	if err != nil {
		return Search{}, err
	}
	return s, nil
}

func fold(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", ""))
}

// PayState is what a search says of a payment.
type PayState int

const (
	// StateUnclear: a pay_status we cannot read.
	StateUnclear PayState = iota
	// StatePaid: the money moved (refunds since do not undo that).
	StatePaid
	// StateUnpaid: failed, cancelled, voided or never completed.
	StateUnpaid
)

// ReadPayStatus reads pay_status, lenient in shape (case, spaces) and
// strict in meaning. Its values are not published: "1" (paid) and "3"
// (refunded) are the simulator's GUESS; the words are those that can only
// mean the payment itself was paid. Generic success words ("success",
// "成功", "y", "true", "completed") are not read as paid: they may describe
// the search call rather than the payment, and an approval needs
// certainty. Unpaid and unclear lead to the same void, so the unpaid list
// may be generous.
func ReadPayStatus(s string) PayState {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "3", "paid", "captured", "refunded", "partial_refunded", "partially_refunded", "已付款", "付款成功", "已退款":
		return StatePaid
	case "0", "2", "unpaid", "fail", "failed", "failure", "cancel", "cancelled", "canceled", "void", "voided", "n", "false", "未付款", "付款失敗", "失敗", "取消", "已取消":
		return StateUnpaid
	}
	return StateUnclear
}

// utc8 is Taiwan time without tzdata (Windows store PCs have none).
var utc8 = time.FixedZone("UTC+8", 8*60*60)

// DateTimeLayout is the spec's "YYYY-mm-dd HH:mm:ss".
const DateTimeLayout = "2006-01-02 15:04:05"

// FormatTime writes t in UTC+8 as the spec asks.
func FormatTime(t time.Time) string { return t.In(utc8).Format(DateTimeLayout) }

// ParseTime reads a UTC+8 time; surrounding spaces are tolerated because
// the spec's own example has a leading one.
func ParseTime(s string) (time.Time, error) {
	return time.ParseInLocation(DateTimeLayout, strings.TrimSpace(s), utc8)
}

// PaymentMethod names a payment_type.
func PaymentMethod(t string) string {
	switch t {
	case "1":
		return "balance"
	case "2":
		return "credit_card"
	}
	return t
}
