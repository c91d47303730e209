package statuspage

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// Source is what the page reads and does through the engine.
type Source interface {
	DailyReport(ctx context.Context, date string) (report.Daily, error)
	PaymentRows(ctx context.Context, from, to string) (report.Export, error)
	Search(ctx context.Context, q edge.Query) ([]edge.PaymentView, error)
	Settle(ctx context.Context, id string, req edge.SettleRequest) (edge.PaymentView, error)
	SettleRefund(ctx context.Context, id string, req edge.SettleRequest) (edge.RefundView, error)
	Health() edge.Health
}

// Devices reports the scanners.
type Devices interface {
	Status() []scanner.DeviceStatus
}

// Options builds a Page.
type Options struct {
	Source  Source
	Devices Devices // nil: no scanners
	// Events is the engine's event stream (GET /v1/events's handler),
	// served to a logged-in page at /page/events.
	Events http.Handler
	// Mask scrubs free text (problems, hook errors, wallet messages)
	// as the API does; nil leaves it.
	Mask    func(string) string
	Sandbox bool
	Log     *slog.Logger
	// LinkTTL and SessionTTL default to DefaultLinkTTL and
	// DefaultSessionTTL; Now (time.Now) is read for its monotonic clock.
	LinkTTL, SessionTTL time.Duration
	Now                 func() time.Time
}

// Page serves the status page.
type Page struct {
	o    Options
	cat  catalogue
	tmpl *template.Template
	s    *sessions
}

//go:embed assets/page.html assets/page.css assets/page.js
var assets embed.FS

// New builds the page.
func New(o Options) (*Page, error) {
	if o.Source == nil {
		return nil, errors.New("statuspage: no Source")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Mask == nil {
		o.Mask = func(s string) string { return s }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LinkTTL <= 0 {
		o.LinkTTL = DefaultLinkTTL
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	cat, err := loadCatalogue()
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("page.html").Funcs(template.FuncMap{"money": money}).ParseFS(assets, "assets/page.html")
	if err != nil {
		return nil, fmt.Errorf("statuspage: %w", err)
	}
	return &Page{o: o, cat: cat, tmpl: tmpl, s: newSessions(o.Now, o.LinkTTL, o.SessionTTL)}, nil
}

// Mint makes a one-time login link for operator (who asked for it, for
// the history of what the session settles): the path to open on the
// daemon's address, and how long it works.
func (p *Page) Mint(operator string) (path string, ttl time.Duration) {
	return "/login?k=" + p.s.mint(operator), p.o.LinkTTL
}

// Route is one pattern the POS API's mux serves for the page.
type Route struct {
	Pattern string
	Handler http.Handler
}

// Routes are the page's; the POS API serves them behind its Host and
// Origin checks, without the bearer token: the page checks its session.
func (p *Page) Routes() []Route {
	return []Route{
		{"GET /{$}", http.HandlerFunc(p.index)},
		{"GET /login", http.HandlerFunc(p.login)},
		{"GET /page/live", p.authed(p.live)},
		{"GET /page/events", p.authed(func(w http.ResponseWriter, r *http.Request, _ *session) { p.o.Events.ServeHTTP(w, r) })},
		{"GET /page/today.csv", p.authed(p.todayCSV)},
		{"POST /page/settle", p.authed(p.settle)},
		{"POST /page/logout", p.authed(p.logout)},
		{"GET /page/assets/{name}", http.HandlerFunc(serveAsset)},
	}
}

// secure sets the headers every page answer carries: nothing from
// elsewhere may load, frame it or receive a referrer.
func secure(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make Chromium send "Origin: null" on the page's own form posts
	h.Set("Cache-Control", "no-store")
}

func (p *Page) sessionOf(r *http.Request) (*session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil, false
	}
	return p.s.get(c.Value)
}

// authed admits a request with a live session only.
func (p *Page) authed(h func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure(w)
		sess, ok := p.sessionOf(r)
		if !ok {
			http.Error(w, "not logged in: run scanpay open on this PC", http.StatusUnauthorized)
			return
		}
		h(w, r, sess)
	})
}

func (p *Page) index(w http.ResponseWriter, r *http.Request) {
	secure(w)
	lang := langOf(w, r)
	sess, ok := p.sessionOf(r)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		p.render(w, "login", p.base(lang, nil, r))
		return
	}
	v := p.base(lang, sess, r)
	v.Flash, v.FlashErr = p.s.takeFlash(sess)
	p.fill(r.Context(), &v)
	p.render(w, "index", v)
}

// login exchanges a one-time link for a session cookie, then sends the
// browser to the page (the secret leaves the address bar).
func (p *Page) login(w http.ResponseWriter, r *http.Request) {
	secure(w)
	lang := langOf(w, r)
	cookie, sess, ok := p.s.redeem(r.URL.Query().Get("k"))
	if !ok {
		w.WriteHeader(http.StatusForbidden)
		v := p.base(lang, nil, r)
		v.Flash, v.FlashErr = p.cat.text(lang, "link_bad"), true
		p.render(w, "login", v)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	p.o.Log.Info("status page: logged in by a one-time link", "session", sess.id, "operator", sess.operator)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Page) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	if !sess.csrfOK(r.PostFormValue("csrf")) {
		http.Error(w, p.cat.text(langOf(w, r), "err_csrf"), http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(cookieName); err == nil {
		p.s.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// live is a part of the page, for the script to swap in after an event.
func (p *Page) live(w http.ResponseWriter, r *http.Request, sess *session) {
	part := r.URL.Query().Get("part")
	if part != "live" && part != "problems" {
		http.Error(w, "part must be live or problems", http.StatusBadRequest)
		return
	}
	v := p.base(langOf(w, r), sess, r)
	p.fill(r.Context(), &v)
	p.render(w, part, v)
}

func (p *Page) todayCSV(w http.ResponseWriter, r *http.Request, _ *session) {
	d, err := p.o.Source.DailyReport(r.Context(), "")
	if err != nil {
		http.Error(w, p.o.Mask(err.Error()), http.StatusServiceUnavailable)
		return
	}
	ex, err := p.o.Source.PaymentRows(r.Context(), d.From.Format(time.RFC3339Nano), d.To.Format(time.RFC3339Nano))
	if err != nil {
		http.Error(w, p.o.Mask(err.Error()), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="scanpay-`+d.Date+`.csv"`)
	if err := report.WriteCSV(w, ex.Rows); err != nil {
		p.o.Log.Warn("status page: CSV cut short", "err", err)
	}
}

// settle records a supervisor's finding from the form, with the session
// that sent it in the note, then shows the page again (POST, redirect,
// GET).
func (p *Page) settle(w http.ResponseWriter, r *http.Request, sess *session) {
	lang := langOf(w, r)
	if !sess.csrfOK(r.PostFormValue("csrf")) {
		http.Error(w, p.cat.text(lang, "err_csrf"), http.StatusForbidden)
		return
	}
	id := r.PostFormValue("id")
	if r.PostFormValue("confirm") != "yes" {
		p.s.setFlash(sess, p.cat.text(lang, "err_confirm"), true)
		http.Redirect(w, r, "/#settle-"+id, http.StatusSeeOther)
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note != "" {
		note = fmt.Sprintf(noteSigned, note, sess.id, sess.operator)
	}
	req := edge.SettleRequest{Outcome: r.PostFormValue("outcome"), TransactionID: strings.TrimSpace(r.PostFormValue("transaction_id")), Note: note}
	var done string
	var err error
	if r.PostFormValue("kind") == "refund" {
		var rv edge.RefundView
		if rv, err = p.o.Source.SettleRefund(r.Context(), id, req); err == nil {
			done = fmt.Sprintf("%s%s %s → %s", p.cat.text(lang, "settled_ok"), money(rv.Amount), rv.ID, rv.State)
		}
	} else {
		var v edge.PaymentView
		if v, err = p.o.Source.Settle(r.Context(), id, req); err == nil {
			done = fmt.Sprintf("%s%s %s, %s %s → %s", p.cat.text(lang, "settled_ok"), v.TerminalID, v.OrderNumber, money(v.Amount), v.ID, p.cat.text(lang, "state."+string(v.State)))
		}
	}
	if err != nil {
		msg := err.Error()
		var ee *edge.Error
		if errors.As(err, &ee) {
			msg = ee.Message
		}
		p.s.setFlash(sess, p.cat.text(lang, "err_settle")+p.o.Mask(msg), true)
		http.Redirect(w, r, "/#settle-"+id, http.StatusSeeOther)
		return
	}
	p.o.Log.Info("status page: settled by an operator", "session", sess.id, "operator", sess.operator, "id", id, "kind", r.PostFormValue("kind"), "outcome", req.Outcome)
	p.s.setFlash(sess, done, false)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	types := map[string]string{"page.css": "text/css; charset=utf-8", "page.js": "text/javascript; charset=utf-8"}
	ct, ok := types[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := assets.ReadFile("assets/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	secure(w)
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

func (p *Page) render(w http.ResponseWriter, name string, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.tmpl.ExecuteTemplate(w, name, v); err != nil {
		p.o.Log.Warn("status page: render", "template", name, "err", err)
	}
}

// money is whole NT$ with thousands separators.
func money(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-NT$" + b.String()
	}
	return "NT$" + b.String()
}

// MaxOperator bounds the operator's name a link is minted for, in bytes.
const MaxOperator = 64

// noteSigned is the note a settlement records: the manager's, then the
// session that sent it.
const noteSigned = "%s — status page session %s (opened by %s)"

// noteMax is the note field's maxlength: a browser counts UTF-16 units,
// each at most 3 bytes of UTF-8, so a note that long, signed with the
// longest operator name, always fits the engine's edge.MaxSettleNote.
var noteMax = (edge.MaxSettleNote - len(fmt.Sprintf(noteSigned, "", "01234567", strings.Repeat("x", MaxOperator)))) / 3

// refundToSettle finds the refund a problem asks a supervisor to settle.
var refundToSettle = regexp.MustCompile(`scanpay settle --refund (\S+) --as`)

// settleForms pairs the engine's problems with the payments and refunds
// they ask a supervisor to settle: the engine names the exact command
// ("scanpay settle <id> --as …") in each, and only those get a form; an
// unknown payment the engine is still settling by itself gets none. The
// problems left over are listed as they are.
func (p *Page) settleForms(ctx context.Context, problems []string, d report.Daily, fail func(error)) (rest []string, forms []settleItem) {
	used := make([]bool, len(problems))
	for _, st := range []store.State{store.Unknown, store.Reversing} {
		found, err := p.o.Source.Search(ctx, edge.Query{State: st, Limit: 500})
		if err != nil {
			fail(err)
		}
		for _, pv := range found {
			i := slices.IndexFunc(problems, func(pr string) bool { return strings.Contains(pr, "scanpay settle "+pv.ID+" --as") })
			if i < 0 {
				continue
			}
			used[i] = true
			s := settleItem{ID: pv.ID, Kind: "payment", Lane: pv.TerminalID, Order: pv.OrderNumber, Wallet: pv.Wallet, Amount: pv.Amount,
				State: string(pv.State), Masked: pv.MaskedCode, Problem: p.o.Mask(problems[i])}
			at := pv.CreatedAt
			if d.Date != "" {
				at = at.In(d.From.Location())
			}
			s.Created = at.Format("2006-01-02 15:04:05")
			if st == store.Unknown {
				s.Outcomes = []string{edge.SettleApproved, edge.SettleDeclined}
			} else {
				s.Outcomes = []string{edge.SettleReversed}
			}
			forms = append(forms, s)
		}
	}
	for i, pr := range problems {
		if m := refundToSettle.FindStringSubmatch(pr); m != nil && !used[i] {
			used[i] = true
			forms = append(forms, settleItem{ID: m[1], Kind: "refund", State: "refund", Problem: p.o.Mask(pr),
				Outcomes: []string{edge.SettleSucceeded, edge.SettleFailed}})
		}
	}
	for i, pr := range problems {
		if !used[i] {
			rest = append(rest, p.o.Mask(pr))
		}
	}
	return rest, forms
}

// maxRows bounds the payments table; the CSV has them all.
const maxRows = 300

// fill reads what the page shows.
func (p *Page) fill(ctx context.Context, v *view) {
	fail := func(err error) { v.Errors = append(v.Errors, p.o.Mask(err.Error())) }
	d, err := p.o.Source.DailyReport(ctx, "")
	if err != nil {
		fail(err)
	}
	v.Day = d
	if d.Date != "" {
		loc := d.From.Location()
		v.Updated = p.o.Now().In(loc).Format("15:04:05")
		ex, err := p.o.Source.PaymentRows(ctx, d.From.Format(time.RFC3339Nano), d.To.Format(time.RFC3339Nano))
		if err != nil {
			fail(err)
		}
		for i := len(ex.Rows) - 1; i >= 0 && len(v.Payments) < maxRows; i-- {
			r := ex.Rows[i]
			v.Payments = append(v.Payments, paymentRow{Time: r.CreatedAt.In(loc).Format("15:04:05"), ID: r.PaymentID, Lane: r.TerminalID,
				Order: r.OrderNumber, Wallet: r.Wallet, Amount: r.Amount, Refunded: r.Refunded, State: string(r.State)})
		}
	}
	h := p.o.Source.Health()
	v.Problems, v.Settle = p.settleForms(ctx, h.Problems, d, fail)
	names := make([]string, 0, len(h.Hooks))
	for n := range h.Hooks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := h.Hooks[n]
		v.Hooks = append(v.Hooks, hookRow{Name: n, OK: st == "ok", Text: p.o.Mask(st)})
	}
	byLane := map[string]*laneRow{}
	if p.o.Devices != nil {
		for _, ds := range p.o.Devices.Status() {
			l := byLane[ds.Lane]
			if l == nil {
				l = &laneRow{Name: ds.Lane}
				byLane[ds.Lane] = l
			}
			dr := deviceRow{Name: ds.Device, Kind: ds.Kind, Connected: ds.Connected, Error: p.o.Mask(ds.LastError)}
			if !ds.LastScan.IsZero() && d.Date != "" {
				dr.LastScan = ds.LastScan.In(d.From.Location()).Format("15:04:05")
			}
			l.Devices = append(l.Devices, dr)
		}
	}
	// A configured lane with no scanner of its own is shown too: its POS
	// sends the codes (the Source says which lanes are configured, when it
	// knows: the engine does).
	if c, ok := p.o.Source.(interface{ Lanes() []string }); ok {
		for _, name := range c.Lanes() {
			if byLane[name] == nil {
				byLane[name] = &laneRow{Name: name}
			}
		}
	}
	for _, l := range byLane {
		v.Lanes = append(v.Lanes, *l)
	}
	sort.Slice(v.Lanes, func(a, b int) bool { return v.Lanes[a].Name < v.Lanes[b].Name })
}
