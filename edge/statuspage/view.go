package statuspage

import (
	"net/http"

	"github.com/scanpay/scanpay/edge/report"
)

// view is what the templates see.
type view struct {
	cat      catalogue
	Lang     string
	Other    string // the language the switch goes to
	Sandbox  bool
	LoggedIn bool
	CSRF     string
	Session  string
	Operator string
	Flash    string
	FlashErr bool
	Errors   []string // what could not be read
	NoteMax  int      // the note field's maxlength

	Day      report.Daily
	Updated  string
	Payments []paymentRow
	Problems []string
	Settle   []settleItem
	Lanes    []laneRow
	Hooks    []hookRow
}

// T is the text of key in the page's language.
func (v view) T(key string) string { return v.cat.text(v.Lang, key) }

type paymentRow struct {
	Time, ID, Lane, Order, Wallet, State string
	Amount, Refunded                     int64
}

// settleItem is one settle form: a payment (Kind "payment": unknown or
// reversing) or a refund (Kind "refund"), with the engine's problem text.
type settleItem struct {
	ID, Kind, Lane, Order, Wallet, State, Created, Masked, Problem string
	Amount                                                         int64
	Outcomes                                                       []string
}

type laneRow struct {
	Name    string
	Devices []deviceRow
}

type deviceRow struct {
	Name, Kind, Error, LastScan string
	Connected                   bool
}

type hookRow struct {
	Name, Text string
	OK         bool
}

func (p *Page) base(lang string, sess *session, _ *http.Request) view {
	v := view{cat: p.cat, Lang: lang, Other: langEN, Sandbox: p.o.Sandbox, NoteMax: noteMax}
	if lang == langEN {
		v.Other = langZH
	}
	if sess != nil {
		v.LoggedIn, v.CSRF, v.Session, v.Operator = true, sess.csrf, sess.id, sess.operator
	}
	return v
}
