package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/store"
)

// Row is one payment as a reconciler matches it against a wallet's
// settlement report. It carries the masked code only.
type Row struct {
	PaymentID     string      `json:"payment_id"`
	CreatedAt     time.Time   `json:"created_at"`
	FinalAt       *time.Time  `json:"final_at,omitempty"` // when it first became final (approved, declined…); absent while open
	TerminalID    string      `json:"terminal_id"`
	OrderNumber   string      `json:"order_number"`
	Wallet        string      `json:"wallet"`
	MaskedCode    string      `json:"masked_code"`
	TransactionID string      `json:"wallet_transaction_id"`
	Amount        int64       `json:"amount"`
	Refunded      int64       `json:"refunded"`
	State         store.State `json:"state"`
}

// Export is a range of rows.
type Export struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	Rows []Row     `json:"payments"`
}

// RowOf is p's row, its times in loc.
func RowOf(p *store.Payment, loc *time.Location) Row {
	r := Row{PaymentID: p.ID, CreatedAt: p.CreatedAt.In(loc), TerminalID: p.TerminalID, OrderNumber: p.OrderNumber,
		Wallet: p.Wallet, MaskedCode: p.MaskedCode, TransactionID: p.Answer.TransactionID,
		Amount: p.Amount, Refunded: p.RefundedAmount, State: p.State}
	for _, h := range p.History {
		if h.State.Final() {
			t := h.At.In(loc)
			r.FinalAt = &t
			break
		}
	}
	return r
}

// Header is the CSV's first line.
var Header = []string{"payment_id", "created_at", "final_at", "terminal_id", "order_number", "wallet",
	"masked_code", "wallet_transaction_id", "amount_twd", "refunded_twd", "state"}

// WriteCSV writes the header and rows as RFC 4180 CSV (lines end in LF,
// which spreadsheets read and terminals print unchanged), times in RFC 3339.
// A text cell that a spreadsheet would run as a formula (=, +, -, @, their
// full-width forms, or a leading tab, CR or LF) is prefixed with an
// apostrophe.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, r := range rows {
		final := ""
		if r.FinalAt != nil {
			final = r.FinalAt.Format(time.RFC3339)
		}
		rec := []string{safe(r.PaymentID), r.CreatedAt.Format(time.RFC3339), final, safe(r.TerminalID), safe(r.OrderNumber),
			safe(r.Wallet), safe(r.MaskedCode), safe(r.TransactionID), strconv.FormatInt(r.Amount, 10),
			strconv.FormatInt(r.Refunded, 10), string(r.State)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula: = + - @, their full-width forms (which spreadsheets
// in CJK locales take as the same), and tab, CR and LF, which some
// spreadsheets skip before looking at the next character.
const formulaStarts = "=+-@\uff1d\uff0b\uff0d\uff20\t\r\n"

func safe(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); s != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}
