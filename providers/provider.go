package providers

import (
	"context"
	"time"
)

// Ref holds the wallet-facing identifiers of one payment or refund (merchant
// trade number, req_id, order number, POS trade time…). The wallet's package
// makes it once (NewRef); the engine journals it before the first send and
// passes it back unchanged on every resend and resolution. Keys are the
// wallet package's own business.
type Ref map[string]string

// Item is one basket line, for wallets that take items.
type Item struct {
	Name      string
	Quantity  int64
	UnitPrice int64
	Subtotal  int64
}

// PayRequest is everything a wallet needs to charge a scanned code.
type PayRequest struct {
	PaymentID      string // scanpay's id, for tracing only
	TerminalID     string // the lane / POS id
	OrderNumber    string // the POS's order number
	Amount         int64  // whole TWD
	Undiscountable int64  // whole TWD, 0..Amount (tobacco, alcohol)
	Description    string
	Items          []Item
	Code           string    // the full payment code; never logged
	CreatedAt      time.Time // when the POS asked for the payment
	Ref            Ref       // from NewRef, journaled
	// Attempt counts the requests already journaled for this payment,
	// this one included (1 on the first send). EasyWallet's retry_time is
	// derived from it.
	Attempt int
}

// Kind is the class of a wallet's answer, the only thing the engine
// branches on.
type Kind int

const (
	// Unknown: timeout, connection error, HTTP 5xx, an answer that does not
	// parse: anything after which money may have moved. Never a decline.
	Unknown Kind = iota
	// Approved: the money moved.
	Approved
	// Declined: the wallet refused; no money moved.
	Declined
	// Voided: a resolution or void ended with no money moved (JKOPay's
	// Cancel answered, iPass's void).
	Voided
	// ConfigError: bad credentials, a refused signature (JKOPay 904), a
	// store that is not a partner. For an administrator, not the cashier;
	// no money moved.
	ConfigError
)

func (k Kind) String() string {
	switch k {
	case Approved:
		return "approved"
	case Declined:
		return "declined"
	case Voided:
		return "voided"
	case ConfigError:
		return "config_error"
	}
	return "unknown"
}

// Outcome is a wallet's answer, classified.
type Outcome struct {
	Kind Kind
	// Code is the wallet's own status code ("000", "906", "0006"…), when
	// one was answered.
	Code string
	// Message is for the cashier (declines) or the administrator (config
	// errors); for Unknown it says what went wrong technically. Never holds
	// a full payment code or a secret.
	Message string
	// RetryScan: a decline after which a new scan may help (expired code,
	// insufficient balance).
	RetryScan bool
	// NotSent: with Unknown, the request provably never reached the wallet
	// (the connection was refused or could not be made before any byte was
	// written), so resending cannot charge twice and a payment that never
	// gets through can end as expired.
	NotSent bool

	// Set when Approved (of a payment or a refund).
	TransactionID string // the wallet's id of the charge or refund
	PaymentMethod string
	AmountPaid    int64 // charged to the customer's balance or card
	Discount      int64 // points/coupons applied, as a positive number
	Carrier       string
	Duplicate     bool // the wallet said this answer repeats an earlier request's
}

// Wallet is what the engine needs of one wallet. Implementations are safe
// for concurrent use; every method that waits honours ctx.
type Wallet interface {
	// Name is the registry name ("jkopay", "easywallet", "ipass", "linepay").
	Name() string
	// NewRef makes the wallet-facing identifiers of a new payment: unique
	// per payment, traceable to the POS order, within the wallet's limits.
	NewRef(req PayRequest, now time.Time) (Ref, error)
	// Pay sends the payment (or resends it, same Ref, higher Attempt).
	Pay(ctx context.Context, req PayRequest) Outcome
	// Resolve settles a payment whose outcome is unknown, by the wallet's
	// own rule (JKOPay: Cancel until answered; EasyWallet: identical resend;
	// iPass: search, then void). Answers Unknown while still unsettled.
	Resolve(ctx context.Context, req PayRequest) Outcome
}

// Voider is implemented by wallets that can take back an approved payment
// as a whole (JKOPay's Cancel, iPass's void). Void is idempotent for the
// same payment.
type Voider interface {
	Void(ctx context.Context, req PayRequest, approval Outcome) Outcome
}

// RefundRequest asks for (part of) an approved payment back.
type RefundRequest struct {
	RefundID  string
	Payment   PayRequest // the original payment, with its Ref
	Approval  Outcome    // what the wallet answered when it approved
	Amount    int64      // whole TWD, 0 < Amount <= paid - already refunded
	Full      bool       // Amount is everything that remains
	Ref       Ref        // from NewRefundRef, journaled
	Attempt   int
	CreatedAt time.Time
}

// Refunder is implemented by wallets that refund. Refund with the same Ref
// must be safe to resend: the wallet's package makes it so or resolves it.
type Refunder interface {
	NewRefundRef(req RefundRequest, now time.Time) (Ref, error)
	Refund(ctx context.Context, req RefundRequest) Outcome
	// PartialRefunds reports whether Amount may be less than what remains.
	PartialRefunds() bool
}

// HealthChecker is implemented by wallets that can say, without charging,
// whether they are reachable and configured (a login, a cheap call).
type HealthChecker interface {
	Health(ctx context.Context) error
}
