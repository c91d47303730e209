package linepay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Paths of the Offline API v2 (developers-pay.line.me/offline-api-v2).
const (
	PayPath = "/v2/payments/oneTimeKeys/pay"
	// The order calls: OrderPath(orderId, call).
	ordersPrefix = "/v2/payments/orders/"
	CallCheck    = "check"  // GET
	CallVoid     = "void"   // POST, no body
	CallRefund   = "refund" // POST {"refundAmount"?}
)

// Headers (the reference's "Request header" table).
const (
	HeaderChannelID       = "X-LINE-ChannelId"
	HeaderChannelSecret   = "X-LINE-ChannelSecret"
	HeaderDeviceProfileID = "X-LINE-MerchantDeviceProfileId"
	HeaderDeviceType      = "X-LINE-MerchantDeviceType"
)

// Limits of the reference's tables; MaxChannelID and MaxHeader are guesses
// (none published).
const (
	MaxOrderID     = 100  // orderId, doc
	MaxProductName = 4000 // productName, doc
	KeyLength      = 18   // oneTimeKey in Taiwan, doc
	Currency       = "TWD"
	MaxChannelID   = 20  // guess: public samples are 10 digits
	MaxHeader      = 100 // guess: a bound on the other header values
)

// ReturnOK is the success returnCode.
const ReturnOK = "0000"

// OrderPath is the path of an order call (check, void, refund), orderId
// URL-encoded as the reference asks.
func OrderPath(orderID, call string) string {
	return ordersPrefix + url.PathEscape(orderID) + "/" + call
}

// PayBody is the Payment request body, every field of the reference's
// table but extras (optional, unused).
type PayBody struct {
	ProductName string `json:"productName"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	OrderID     string `json:"orderId"`
	OneTimeKey  string `json:"oneTimeKey"`
	Capture     bool   `json:"capture"`
}

// RefundBody is the Refund request body; RefundAmount omitted refunds
// everything paid.
type RefundBody struct {
	RefundAmount int64 `json:"refundAmount,omitempty"`
}

// FieldError is a request field that cannot be sent as it is. Nothing was
// sent.
type FieldError struct {
	Field string
	Why   string
}

func (e *FieldError) Error() string { return "linepay: " + e.Field + " " + e.Why }

// ValidOneTimeKey reports whether s is a Taiwanese oneTimeKey: 18 digits
// (length: doc; digits: the public samples).
func ValidOneTimeKey(s string) bool { return len(s) == KeyLength && allDigits(s) }

// ValidOrderID reports whether s may be an orderId: 1..100 characters of
// printable ASCII (the length is the reference's; scanpay's own ids use
// only letters, digits, '-' and '_').
func ValidOrderID(s string) bool { return s != "" && len(s) <= MaxOrderID && headerSafe(s, MaxOrderID) }

// Check validates a Payment body field by field against the reference.
func (b PayBody) Check() error {
	switch {
	case strings.TrimSpace(b.ProductName) == "" || utf8.RuneCountInString(b.ProductName) > MaxProductName || !utf8.ValidString(b.ProductName):
		return &FieldError{"productName", fmt.Sprintf("must be 1..%d characters of valid text", MaxProductName)}
	case b.Amount <= 0:
		return &FieldError{"amount", fmt.Sprintf("%d is not above zero", b.Amount)}
	case b.Currency != Currency:
		return &FieldError{"currency", fmt.Sprintf("%q is not %s", b.Currency, Currency)}
	case !ValidOrderID(b.OrderID):
		return &FieldError{"orderId", fmt.Sprintf("%q is not 1..%d printable ASCII characters", b.OrderID, MaxOrderID)}
	case !ValidOneTimeKey(b.OneTimeKey):
		return &FieldError{"oneTimeKey", fmt.Sprintf("is not %d digits: scan the customer's LINE Pay code again", KeyLength)}
	case !b.Capture:
		return &FieldError{"capture", "must be true: scanpay never separates authorisation from capture"}
	}
	return nil
}

// Answer is LINE Pay's answer to every call. transactionId is a 19-digit
// number, beyond float64's exact integers: it is kept as its text.
type Answer struct {
	ReturnCode    string `json:"returnCode"`
	ReturnMessage string `json:"returnMessage"`
	Info          *Info  `json:"info"`
}

// Info is the answer's info object: the fields of Payment, Check and
// Refund together (each answer fills its own).
type Info struct {
	TransactionID         IDText    `json:"transactionId"`
	OrderID               string    `json:"orderId"`
	TransactionDate       string    `json:"transactionDate"`
	PayInfo               []PayInfo `json:"payInfo"`
	Status                string    `json:"status"`
	RefundTransactionID   IDText    `json:"refundTransactionId"`
	RefundTransactionDate string    `json:"refundTransactionDate"`
}

// PayInfo is one means of payment of an approval.
type PayInfo struct {
	Method string `json:"method"`
	Amount int64  `json:"amount"`
}

// Statuses of Check's info.status (public SDK CarlLee1983/line-pay-offline-v4-php,
// src/Enums/CheckPaymentStatus.php).
const (
	StatusComplete = "COMPLETE"
	StatusFail     = "FAIL"
	StatusRefund   = "REFUND"
)

// IDText is an id LINE Pay sends as a JSON number (or, leniently, a
// string), kept digit for digit.
type IDText string

// UnmarshalJSON keeps the number's text.
func (t *IDText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "" && !allDigits(s) {
			return fmt.Errorf("id %q is not a whole number", clipText(s))
		}
		*t = IDText(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if !allDigits(n.String()) {
		return fmt.Errorf("id %s is not a whole number", n)
	}
	*t = IDText(n.String())
	return nil
}

// ErrAnswer is wrapped by every answer that does not parse.
var ErrAnswer = errors.New("linepay answer")

// ParseAnswer reads an answer: one JSON object with a 4-digit returnCode.
func ParseAnswer(b []byte) (Answer, error) {
	var a Answer
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&a); err != nil {
		return Answer{}, fmt.Errorf("%w: not JSON: %v", ErrAnswer, err)
	}
	if dec.More() {
		return Answer{}, fmt.Errorf("%w: more than one JSON value", ErrAnswer)
	}
	if len(a.ReturnCode) != 4 || !allDigits(a.ReturnCode) {
		return Answer{}, fmt.Errorf("%w: returnCode %q is not 4 digits", ErrAnswer, clipText(a.ReturnCode))
	}
	return a, nil
}

func clipText(s string) string {
	if len(s) > 40 {
		return strings.ToValidUTF8(s[:40], "") + "…"
	}
	return s
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// headerSafe: 1..max printable ASCII characters, no spaces.
func headerSafe(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
