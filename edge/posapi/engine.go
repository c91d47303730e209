package posapi

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/scanner"
)

// Payments is what the payment routes need of the engine.
type Payments interface {
	CreatePayment(ctx context.Context, req edge.CreateRequest) (view edge.PaymentView, created bool, err error)
	Payment(ctx context.Context, id string) (edge.PaymentView, error)
	// Wait returns when the payment is final or d has passed.
	Wait(ctx context.Context, id string, d time.Duration) (edge.PaymentView, error)
	Search(ctx context.Context, q edge.Query) ([]edge.PaymentView, error)
	Cancel(ctx context.Context, id string) (edge.PaymentView, error)
	// RefundOnce refunds amount of payment id; key is the POS's
	// Idempotency-Key ("" for none).
	RefundOnce(ctx context.Context, id string, amount int64, key string) (edge.RefundView, error)
}

// Settlements records an operator's finding, from the wallet's merchant
// portal, for a payment or refund no automatic rule can settle.
type Settlements interface {
	Settle(ctx context.Context, id string, req edge.SettleRequest) (edge.PaymentView, error)
	SettleRefund(ctx context.Context, id string, req edge.SettleRequest) (edge.RefundView, error)
}

// Scans takes a scan from a scanner the POS owns.
type Scans interface {
	Scan(ctx context.Context, s scanner.Scan) (edge.ScanResult, error)
}

// Events is the engine's event stream; the channel closes when ctx ends.
type Events interface {
	Subscribe(ctx context.Context) <-chan edge.Event
}

// HealthReporter is the engine's own report, for /healthz and /metrics.
type HealthReporter interface {
	Health() edge.Health
}

// Reports are the day-end report and the reconciliation export.
type Reports interface {
	DailyReport(ctx context.Context, date string) (report.Daily, error)
	PaymentRows(ctx context.Context, from, to string) (report.Export, error)
}

// Engine is everything the POS API needs of the engine (*edge.Engine).
type Engine interface {
	Payments
	Settlements
	Scans
	Events
	HealthReporter
	Reports
}

// Devices reports the scanners (*scanner.Manager).
type Devices interface {
	Status() []scanner.DeviceStatus
}
