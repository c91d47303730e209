package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/providers"
)

// What the wallets behind the gateway share about requests: the checks
// every payment passes before it is journaled, the order identifiers they
// make, and the cleaning of what servers answer.

// ErrRequest is wrapped by every error about a request that cannot be sent
// as it is. Nothing was sent.
var ErrRequest = errors.New("payment request")

// CheckPay checks what every wallet needs of a payment; wallet names the
// wallet in the fix ("scan the customer's EasyWallet barcode").
func CheckPay(req providers.PayRequest, wallet string) error {
	switch {
	case req.Amount <= 0:
		return fmt.Errorf("%w: amount %d is not above zero: charge at least 1 TWD", ErrRequest, req.Amount)
	case req.Undiscountable < 0 || req.Undiscountable > req.Amount:
		return fmt.Errorf("%w: undiscountable_amount %d is outside 0..%d: send the tobacco/alcohol total, at most the amount", ErrRequest, req.Undiscountable, req.Amount)
	case strings.TrimSpace(req.OrderNumber) == "":
		return fmt.Errorf("%w: order_number is empty: send the POS's order number", ErrRequest)
	case req.Code == "":
		return fmt.Errorf("%w: no payment code: scan the customer's %s barcode", ErrRequest, wallet)
	}
	return nil
}

// CheckRefund checks what every wallet needs of a refund.
func CheckRefund(req providers.RefundRequest) error {
	if req.Amount <= 0 {
		return fmt.Errorf("%w: refund amount %d is not above zero: refund at least 1 TWD", ErrRequest, req.Amount)
	}
	return nil
}

// CheckBaseURL validates a base_url key.
func CheckBaseURL(key, v string) error {
	u, err := url.Parse(v)
	switch {
	case v == "":
		return fmt.Errorf("%s is empty: set it to the omni-channel gateway's address, e.g. https://gateway.example.com", key)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return fmt.Errorf("%s %q is not an http(s) URL: set it to the gateway's address, e.g. https://gateway.example.com", key, v)
	}
	return nil
}

// OrderID makes an order identifier for a wallet: the POS order number's
// safe characters (ASCII letters, digits, '-' and '_'; its end kept when it
// is too long, since that is the part that varies), '-', and 16 random hex
// digits (orderIDRandom), at most max characters in all. Traceable to the order, unique per
// payment.
func OrderID(order string, max int) string {
	var b strings.Builder
	for _, r := range order {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" {
		s = "POS"
	}
	if room := max - 1 - 2*orderIDRandom; len(s) > room {
		s = s[len(s)-room:]
	}
	return s + "-" + RandomHex(orderIDRandom)
}

// orderIDRandom is how many random bytes end an order id: 64 bits, so
// that no two payments of one order number (POS order numbers repeat)
// meet in a wallet's ledger, where the later would be answered with the
// earlier's charge.
const orderIDRandom = 8

// RandomHex is n random bytes (crypto/rand) as upper-case hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// Clip shortens a server's message to 200 bytes of valid UTF-8, so a
// runaway answer cannot flood a log line or the POS.
func Clip(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// ScrubCode masks every occurrence of the payment code in s.
func ScrubCode(s, code string) string {
	if code == "" {
		return s
	}
	return strings.ReplaceAll(s, code, mask.Code(code))
}

// RulesOf picks one wallet's rules out of the shared classification table,
// so that the shape of its codes is written down in one place only.
func RulesOf(wallet string) []providers.Rule {
	var out []providers.Rule
	for _, r := range providers.DefaultRules() {
		if r.Class == wallet {
			out = append(out, r)
		}
	}
	return out
}

// Rebuilt makes a builder for PostBuilt: *body as it is for the first
// send, with refresh applied before every later one (the resend after a
// 401), so that a wallet states in one place what must differ on every
// request.
func Rebuilt[T any](body *T, refresh func(*T)) func() any {
	sends := 0
	return func() any {
		if sends > 0 {
			refresh(body)
		}
		sends++
		return *body
	}
}
