package posapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/edge/statuspage"
)

// onlyParams refuses a query with a parameter not in allowed, naming them.
func onlyParams(w http.ResponseWriter, q url.Values, allowed ...string) bool {
	for k := range q {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("unknown query parameter %q: this route takes %v", truncate(k, 40), allowed))
			return false
		}
	}
	return true
}

// dailyReport is GET /v1/reports/daily?date=YYYY-MM-DD (default today).
func (s *Server) dailyReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !onlyParams(w, q, "date") {
		return
	}
	d, err := s.eng.DailyReport(r.Context(), q.Get("date"))
	s.reply(w, r, d, err)
}

// paymentRows is GET /v1/reports/payments?from=&to=[&format=csv]: the
// payments created in [from, to), as JSON or as the reconciler's CSV.
func (s *Server) paymentRows(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !onlyParams(w, q, "from", "to", "format") {
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("format %q is not known: use format=csv or format=json (the default)", truncate(format, 20)))
		return
	}
	ex, err := s.eng.PaymentRows(r.Context(), q.Get("from"), q.Get("to"))
	if err != nil || format != "csv" {
		s.reply(w, r, ex, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	name := fmt.Sprintf("scanpay-%s-%s.csv", ex.From.Format("20060102T1504"), ex.To.Format("20060102T1504"))
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := report.WriteCSV(w, ex.Rows); err != nil {
		s.log.Warn("CSV export cut short", "err", err)
	}
}

// PageLinkBody is POST /v1/page/link: who asks (kept with the session, so
// a settlement made on the page names them).
type PageLinkBody struct {
	Operator string `json:"operator,omitempty"`
}

// PageLink answers POST /v1/page/link: a one-time login link to the
// status page.
type PageLink struct {
	URL       string `json:"url"`
	Path      string `json:"path"`
	ExpiresIn int    `json:"expires_in_seconds"`
}

// pageLink mints a one-time status-page login link; only a caller with
// the API token gets here.
func (s *Server) pageLink(w http.ResponseWriter, r *http.Request) {
	var body PageLinkBody
	if !decodeBody(w, r, &body, true) {
		return
	}
	op := strings.TrimSpace(body.Operator)
	if len(op) > statuspage.MaxOperator || strings.IndexFunc(op, unicode.IsControl) >= 0 {
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("operator must be a name of at most %d bytes without control characters, e.g. \"J. Chen\"", statuspage.MaxOperator))
		return
	}
	path, ttl := s.page.Mint(op)
	writeJSON(w, http.StatusOK, PageLink{URL: "http://" + r.Host + path, Path: path, ExpiresIn: int(ttl / time.Second)})
}
