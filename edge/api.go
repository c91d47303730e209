package edge

import (
	"errors"
	"fmt"
	"time"

	"github.com/scanpay/scanpay/store"
)

// This file is the contract between the engine and its callers (the POS
// API in edge/posapi, the command line in cmd/scanpay). The engine's methods
// that use these types are:
//
//	func New(cfg Config) (*Engine, error)
//	func (e *Engine) Run(ctx context.Context) error // recover, then serve until ctx ends
//	func (e *Engine) CreatePayment(ctx context.Context, req CreateRequest) (view PaymentView, created bool, err error)
//	func (e *Engine) Payment(ctx context.Context, id string) (PaymentView, error)
//	func (e *Engine) Wait(ctx context.Context, id string, d time.Duration) (PaymentView, error) // until final or d
//	func (e *Engine) Search(ctx context.Context, q Query) ([]PaymentView, error)
//	func (e *Engine) Cancel(ctx context.Context, id string) (PaymentView, error)
//	func (e *Engine) Refund(ctx context.Context, id string, amount int64) (RefundView, error)
//	func (e *Engine) Settle(ctx context.Context, id string, req SettleRequest) (PaymentView, error) // an operator settles an unknown payment
//	func (e *Engine) SettleRefund(ctx context.Context, id string, req SettleRequest) (RefundView, error) // … or an unknown refund
//	func (e *Engine) Scan(ctx context.Context, s scanner.Scan) (ScanResult, error)
//	func (e *Engine) Device(ev scanner.DeviceEvent) // publish a device event
//	func (e *Engine) Subscribe(ctx context.Context) <-chan Event // closed when ctx ends
//	func (e *Engine) Health() Health
//	func (e *Engine) DailyReport(ctx context.Context, date string) (report.Daily, error) // day-end totals
//	func (e *Engine) PaymentRows(ctx context.Context, from, to string) (report.Export, error) // for reconciliation

// CreateRequest is the POS's checkout (POST /v1/payments).
type CreateRequest struct {
	TerminalID     string       `json:"terminal_id"`
	OrderNumber    string       `json:"order_number"`
	Amount         int64        `json:"amount"`
	Undiscountable int64        `json:"undiscountable_amount"`
	Description    string       `json:"description"`
	Items          []store.Item `json:"items"`
	Barcode        string       `json:"barcode,omitempty"` // the code, when the POS scanned it itself
}

// PaymentView is a payment as the POS, a log or a receipt may see it: the
// code masked, no wallet credentials.
type PaymentView struct {
	ID             string             `json:"id"`
	TerminalID     string             `json:"terminal_id"`
	OrderNumber    string             `json:"order_number"`
	Amount         int64              `json:"amount"`
	Undiscountable int64              `json:"undiscountable_amount"`
	Description    string             `json:"description,omitempty"`
	Items          []store.Item       `json:"items,omitempty"`
	Wallet         string             `json:"wallet,omitempty"`
	MaskedCode     string             `json:"masked_code,omitempty"`
	State          store.State        `json:"state"`
	Final          bool               `json:"final"`
	Attempts       int                `json:"attempts"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	History        []store.Change     `json:"history"`
	Answer         store.WalletAnswer `json:"answer"`
	RefundedAmount int64              `json:"refunded_amount"`
	Refunds        []RefundView       `json:"refunds,omitempty"`
	Sandbox        bool               `json:"sandbox,omitempty"`
	// Warnings are set on a checkout's answer only: something the POS may
	// show the cashier (no scanner connected on the lane).
	Warnings []Warning `json:"warnings,omitempty"`
}

// RefundView is a refund as the POS sees it.
type RefundView struct {
	ID        string             `json:"id"`
	PaymentID string             `json:"payment_id"`
	Amount    int64              `json:"amount"`
	State     store.RefundState  `json:"state"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	Answer    store.WalletAnswer `json:"answer"`
}

// Query is a payment search (GET /v1/payments). Empty fields match all;
// at least one of OrderNumber, TerminalID or State must be set.
type Query struct {
	TerminalID  string
	OrderNumber string
	State       store.State
	Limit       int
}

// SettleRequest is an operator's record of what the wallet's merchant
// portal shows for a payment or refund that no automatic rule can settle
// (POST /v1/payments/{id}/settle, POST /v1/refunds/{id}/settle). It is a
// supervisor's action after checking the portal, never a cashier's.
type SettleRequest struct {
	// Outcome: for an unknown payment "approved" (the wallet took the
	// money) or "declined" (no money moved); for a payment stuck reversing
	// (the wallet refuses both its void and its refund) "reversed" (the
	// operator gave the money back by hand, or the portal shows it back);
	// for a refund "succeeded" (the money went back) or "failed" (no money
	// went back).
	Outcome string `json:"outcome"`
	// TransactionID is the wallet's id of the charge or refund as the
	// portal shows it: required for approved and succeeded, optional for
	// reversed (the wallet's refund id, if the portal gives one), refused
	// otherwise.
	TransactionID string `json:"transaction_id,omitempty"`
	// Note says who checked what, e.g. "checked EasyWallet portal, order X
	// not found — J. Chen". Required; kept in the history for the audit.
	Note string `json:"note"`
}

// The outcomes an operator may record.
const (
	SettleApproved  = "approved"  // payment: the wallet took the money
	SettleDeclined  = "declined"  // payment: no money moved
	SettleReversed  = "reversed"  // reversing payment: given back by hand
	SettleSucceeded = "succeeded" // refund: the money went back
	SettleFailed    = "failed"    // refund: no money went back
)

// ScanResult says what the engine did with a scan.
type ScanResult struct {
	Kind      string `json:"kind"`                 // "payment" (triggered one), "held" (scan-then-amount), "passthrough" (not a wallet's), "ignored" (a payment is already in flight on the lane), "ambiguous" (more than one checkout awaits a scan on the lane: nothing charged; cancel the stale one)
	Class     string `json:"class"`                // the classification: a wallet name, "einvoice_carrier", "citizen_carrier", "product", "unknown"
	PaymentID string `json:"payment_id,omitempty"` // for "payment"
	Masked    string `json:"masked_code"`
}

// Event is one item of the event stream (GET /v1/events). Data is a
// PaymentView, a scan summary or a scanner.DeviceEvent, never a full code.
type Event struct {
	Type string    `json:"type"` // "payment" | "scan" | "device" | "hook"
	At   time.Time `json:"at"`
	Data any       `json:"data"`
}

// Health is the engine's own report, for /healthz and /metrics.
type Health struct {
	OK       bool              `json:"ok"`
	Sandbox  bool              `json:"sandbox"`
	Pending  map[string]int    `json:"pending"` // non-final payments by state
	Hooks    map[string]string `json:"hooks"`   // hook name → "ok" or its last error
	Problems []string          `json:"problems,omitempty"`
	// EventsDropped counts events slow event-stream readers lost since
	// start.
	EventsDropped uint64 `json:"events_dropped,omitempty"`
}

// Error is an engine error the POS can act on: Code is stable and
// machine-readable, Message says what to do.
type Error struct {
	Code    string // one of the Err* codes below
	Message string
	Err     error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Stable error codes. The POS API maps each to one HTTP status.
const (
	ErrInvalidRequest   = "invalid_request"    // 400: a field is missing or out of range
	ErrUnknownTerminal  = "unknown_terminal"   // 422: terminal_id is not a configured lane
	ErrNotFound         = "not_found"          // 404
	ErrConflict         = "conflict"           // 409: e.g. order already has a final payment with other data, or the state forbids the action
	ErrUnknownCode      = "unknown_code"       // 422: the barcode is no supported wallet's
	ErrWalletNotEnabled = "wallet_not_enabled" // 422: the code's wallet is not configured
	ErrRefundRefused    = "refund_refused"     // 422: amount above what remains, or the wallet cannot refund
	ErrUnavailable      = "unavailable"        // 503: the journal cannot be written
)

// Errorf makes an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the stable code of err, or "internal".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
