package statuspage

import (
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge/report"
)

// The day's totals are not final while one of its refunds is still in
// progress: the page says so, as it does for open payments, in both
// languages.
func TestPageNamesRefundsInProgress(t *testing.T) {
	p, err := New(Options{Source: unreadSource{}})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{langZH: p.cat.text(langZH, "open_refunds_note"), langEN: p.cat.text(langEN, "open_refunds_note")} {
		if want == "" || strings.Contains(want, "open_refunds_note") {
			t.Fatalf("%s: no text for open_refunds_note", lang)
		}
		v := p.base(lang, &session{id: "s", csrf: "c", operator: "o"}, nil)
		v.Day = report.Daily{Date: "2026-12-05", OpenRefunds: []report.OpenRefund{{ID: "r1", PaymentID: "p1"}, {ID: "r2", PaymentID: "p2"}}}
		var b strings.Builder
		if err := p.tmpl.ExecuteTemplate(&b, "index", v); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "2 "+want) {
			t.Errorf("%s: the page does not say that 2 refunds are in progress (%q)", lang, want)
		}
	}
}

// unreadSource is a Source the test never reads: it renders a view it
// made itself.
type unreadSource struct{ Source }
