package store

import "time"

// State is where a payment stands in the state machine of DESIGN.md.
type State string

// The states. A payment moves only along the arrows of DESIGN.md's machine;
// the engine (edge/) decides which arrows it takes, the journal makes each
// move atomic and durable.
const (
	AwaitingScan State = "awaiting_scan" // created by the POS, no code yet
	Queued       State = "queued"        // has a code, not yet sent
	InFlight     State = "in_flight"     // on disk before the request leaves
	Unknown      State = "unknown"       // the request may have reached the wallet; being resolved
	Reversing    State = "reversing"     // approved, but must be voided or refunded (POS cancelled or gave up)
	Approved     State = "approved"      // the wallet took the money
	Declined     State = "declined"      // the wallet refused; no money moved
	Cancelled    State = "cancelled"     // cancelled before any code was sent
	Expired      State = "expired"       // never reached the wallet within the code's lifetime
	Voided       State = "voided"        // resolved or cancelled by the wallet's void/cancel: no money moved
	Reversed     State = "reversed"      // approved, then given back because the POS cancelled or gave up
	Refunded     State = "refunded"      // approved, then refunded in full
)

// States lists every state, in the order of the machine.
var States = []State{AwaitingScan, Queued, InFlight, Unknown, Reversing, Approved,
	Declined, Cancelled, Expired, Voided, Reversed, Refunded}

// Final reports whether no more work is owed on a payment in this state.
// Approved is final for the purpose of the outbox (nothing to send), though
// a refund or a POS cancel may still move it on.
func (s State) Final() bool {
	switch s {
	case AwaitingScan, Queued, InFlight, Unknown, Reversing:
		return false
	}
	return true
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Item is one line of the POS's basket, passed to wallets that take items.
type Item struct {
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"` // whole TWD
	Subtotal  int64  `json:"subtotal"`   // whole TWD
}

// Change is one entry of a payment's history.
type Change struct {
	State  State     `json:"state"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// WalletAnswer summarises what the wallet last said: enough to show the POS
// and the receipt, never the raw body.
type WalletAnswer struct {
	Code          string `json:"code,omitempty"`           // the wallet's own status code
	Message       string `json:"message,omitempty"`        // for the cashier
	TransactionID string `json:"transaction_id,omitempty"` // the wallet's id of the charge
	PaymentMethod string `json:"payment_method,omitempty"`
	AmountPaid    int64  `json:"amount_paid,omitempty"` // what the customer's balance/card paid
	Discount      int64  `json:"discount,omitempty"`    // points or coupons the wallet applied
	Carrier       string `json:"carrier,omitempty"`     // e-invoice carrier, when the wallet returns one
	RetryScan     bool   `json:"retry_scan,omitempty"`  // a decline after which a new scan may help
}

// Payment is one journaled payment. The journal stores it whole; the engine
// changes it only through Journal.Transition.
type Payment struct {
	ID          string `json:"id"`
	TerminalID  string `json:"terminal_id"` // the lane
	OrderNumber string `json:"order_number"`
	Amount      int64  `json:"amount"`                // whole TWD
	Undiscount  int64  `json:"undiscountable_amount"` // whole TWD, 0..Amount
	Description string `json:"description,omitempty"`
	Items       []Item `json:"items,omitempty"`

	Wallet     string `json:"wallet,omitempty"`      // providers registry name, once a code is known
	MaskedCode string `json:"masked_code,omitempty"` // mask.Code of the code
	// FullCode is the scanned payment code. It is a credential: kept only
	// while the payment may still be resent, erased (set to "") by the
	// transition that makes the payment final.
	FullCode string `json:"full_code,omitempty"`
	// WalletRef holds the wallet-facing identifiers (merchant trade number,
	// req_id, order number, the POS trade time…), generated once by the
	// wallet's package before the first send and reused on every resend.
	WalletRef map[string]string `json:"wallet_ref,omitempty"`

	State    State `json:"state"`
	Attempts int   `json:"attempts"` // requests sent to the wallet (pay, resend, resolve)

	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	ScanBy      time.Time `json:"scan_by,omitempty"`      // awaiting_scan gives up after this
	CodeExpires time.Time `json:"code_expires,omitempty"` // the code's lifetime ends (code_ttl)
	NextTry     time.Time `json:"next_try,omitempty"`     // when the engine should next act on it

	History []Change     `json:"history"`
	Answer  WalletAnswer `json:"answer"`

	RefundedAmount int64  `json:"refunded_amount,omitempty"` // sum of succeeded refunds
	ReverseReason  string `json:"reverse_reason,omitempty"`  // why a Reversing payment must be given back
}

// RefundState is where a refund stands. Refunds have their own records so
// that several partial refunds of one payment are journaled apart.
type RefundState string

// The refund states: pending → in_flight → succeeded | failed, with
// in_flight → unknown → succeeded | failed when the answer was lost.
const (
	RefundPending   RefundState = "pending"
	RefundInFlight  RefundState = "in_flight"
	RefundUnknown   RefundState = "unknown"
	RefundSucceeded RefundState = "succeeded"
	RefundFailed    RefundState = "failed"
)

// Final reports whether the refund needs no more work.
func (s RefundState) Final() bool { return s == RefundSucceeded || s == RefundFailed }

// Refund is one refund of (part of) an approved payment.
type Refund struct {
	ID        string            `json:"id"`
	PaymentID string            `json:"payment_id"`
	Amount    int64             `json:"amount"`
	State     RefundState       `json:"state"`
	WalletRef map[string]string `json:"wallet_ref,omitempty"` // the refund's own identifiers
	Attempts  int               `json:"attempts"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	NextTry   time.Time         `json:"next_try,omitempty"`
	Answer    WalletAnswer      `json:"answer"`
	History   []RefundChange    `json:"history"`
	// IdempotencyKey is the POS's key for this refund, if it sent one,
	// and KeyRequest what the key was first sent with: a request with the
	// same key is answered with this refund if it asks the same, and
	// refused (ErrKeyReused) if it asks anything else.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	KeyRequest     string `json:"key_request,omitempty"`
}

// RefundChange is one entry of a refund's history.
type RefundChange struct {
	State  RefundState `json:"state"`
	At     time.Time   `json:"at"`
	Reason string      `json:"reason"`
}

// Delivery is one receipt-hook delivery owed: the hook outbox.
type Delivery struct {
	ID        string    `json:"id"`                  // PaymentID (or RefundID) + "/" + State + "/" + Hook: also the idempotency key
	PaymentID string    `json:"payment_id"`          //
	RefundID  string    `json:"refund_id,omitempty"` // set for the receipt of one (partial) refund
	State     State     `json:"state"`               // the payment state the receipt is for
	Hook      string    `json:"hook"`                // the hook's configured name
	Attempts  int       `json:"attempts"`
	NextTry   time.Time `json:"next_try"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
