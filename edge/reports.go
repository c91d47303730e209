package edge

import (
	"context"
	"errors"

	"github.com/scanpay/scanpay/edge/report"
)

// DailyReport is the report of a business day ("YYYY-MM-DD"; "" = today's,
// by the engine's clock): per wallet and per lane, count, gross, refunds
// and net (edge/report).
func (e *Engine) DailyReport(ctx context.Context, date string) (report.Daily, error) {
	if err := ctx.Err(); err != nil {
		return report.Daily{}, err
	}
	d, err := e.reports.Daily(date, e.cfg.Now())
	return d, reportErr(err)
}

// PaymentRows are the payments created from from to to (report.Config.Range
// says the forms), for reconciliation.
func (e *Engine) PaymentRows(ctx context.Context, from, to string) (report.Export, error) {
	if err := ctx.Err(); err != nil {
		return report.Export{}, err
	}
	ex, err := e.reports.Rows(from, to)
	return ex, reportErr(err)
}

func reportErr(err error) error {
	var ie *report.InputError
	if errors.As(err, &ie) {
		return &Error{Code: ErrInvalidRequest, Message: ie.Msg}
	}
	return journalErr(err)
}
