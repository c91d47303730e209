package report

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scanpay/scanpay/store"
)

// Source is what a report reads (*store.Journal): payments created in
// [from, to), oldest first, through the journal's creation-time index, and
// the refunds not yet final, through its index of open refunds.
type Source interface {
	CreatedBetween(from, to time.Time, limit int) ([]store.Payment, error)
	PendingRefunds() ([]store.Refund, error)
}

// Config is the store's business day.
type Config struct {
	// DayStarts is when a business day begins after local midnight, from 0
	// to 23h59m: "02:00" for a store that closes at 2 am, whose sales
	// until 01:59 belong to the day before.
	DayStarts time.Duration
	// Location is the time zone days are counted in; nil = the PC's.
	Location *time.Location
}

// MaxRange bounds an export: a year of payments.
const MaxRange = 366 * 24 * time.Hour

// InputError is what the caller typed that cannot be read: Msg names the
// problem and the fix.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ParseDayStarts reads "HH:MM" (00:00 to 23:59), the form of the
// configuration's [report] day_starts.
func ParseDayStarts(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("day_starts = %q is not a time of day: write it as \"HH:MM\", e.g. \"02:00\" for a store that closes at 2 am", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (c Config) loc() *time.Location {
	if c.Location == nil {
		return time.Local
	}
	return c.Location
}

// Check says what is wrong with c, if anything.
func (c Config) Check() error {
	if c.DayStarts < 0 || c.DayStarts >= 24*time.Hour {
		return fmt.Errorf("day_starts = %s is outside the day: use a time from \"00:00\" to \"23:59\"", c.DayStarts)
	}
	return nil
}

// Day is the business day of date "YYYY-MM-DD": [from, to).
func (c Config) Day(date string) (from, to time.Time, err error) {
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(date), c.loc())
	if err != nil {
		return time.Time{}, time.Time{}, inputErr("date %q is not a date: write it as YYYY-MM-DD, e.g. 2026-12-05", clip(date))
	}
	from, to = c.dayStart(d), c.dayStart(d.AddDate(0, 0, 1))
	if !inYears(from) || !inYears(to) {
		return time.Time{}, time.Time{}, outOfYears(date)
	}
	return from, to, nil
}

// The years a date may name: the journal's creation-time index counts
// nanoseconds in an int64 (1678 to 2262, and wrapping beyond), so a date
// outside them would read another century's payments.
var (
	earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func inYears(t time.Time) bool { return !t.Before(earliest) && t.Before(latest) }

func outOfYears(s string) error {
	return inputErr("%q is outside the years scanpay keeps payments in: use a date between 2000-01-01 and 2199-12-31", clip(s))
}

// dayStart is the start of date d's business day: DayStarts after its
// midnight, counted on the wall clock (time.Date handles a DST change).
func (c Config) dayStart(d time.Time) time.Time {
	h, m := int(c.DayStarts/time.Hour), int(c.DayStarts%time.Hour/time.Minute)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, c.loc())
}

// DateOf is the business date ("YYYY-MM-DD") that t falls in.
func (c Config) DateOf(t time.Time) string {
	local := t.In(c.loc())
	d := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.loc())
	if local.Before(c.dayStart(d)) {
		d = d.AddDate(0, 0, -1)
	}
	return d.Format(time.DateOnly)
}

// Bound reads one end of a range: "YYYY-MM-DD" is the start of that
// business day, "YYYY-MM-DDTHH:MM[:SS]" a time in the store's zone, and an
// RFC 3339 time (with its offset) that very instant.
func (c Config) Bound(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) == len(time.DateOnly) {
		from, _, err := c.Day(s)
		return from, err
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return inYearsOr(t, s)
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, c.loc()); err == nil {
			return inYearsOr(t, s)
		}
	}
	return time.Time{}, inputErr("%q is not a date or time: write YYYY-MM-DD (the business day's start), YYYY-MM-DDTHH:MM (the store's time zone) or an RFC 3339 time such as 2026-12-05T14:00:00+08:00", clip(s))
}

func inYearsOr(t time.Time, s string) (time.Time, error) {
	if !inYears(t) {
		return time.Time{}, outOfYears(s)
	}
	return t, nil
}

// Range checks and reads [from, to).
func (c Config) Range(from, to string) (time.Time, time.Time, error) {
	if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
		return time.Time{}, time.Time{}, inputErr("both from and to are needed, e.g. from 2026-12-01 to 2026-12-08 (a week: to is not included)")
	}
	f, err := c.Bound(from)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t, err := c.Bound(to)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	switch {
	case !f.Before(t):
		return time.Time{}, time.Time{}, inputErr("from (%s) is not before to (%s): to is the end, not included; for one day write from 2026-12-05 to 2026-12-06", f.Format(time.RFC3339), t.Format(time.RFC3339))
	case t.Sub(f) > MaxRange:
		return time.Time{}, time.Time{}, inputErr("the range from %s to %s is longer than a year: export it a year or less at a time", f.Format(time.DateOnly), t.Format(time.DateOnly))
	}
	return f, t, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Totals is one line of a day's report, in whole TWD.
type Totals struct {
	Count   int   `json:"count"`   // payments that took money (approved, then maybe refunded)
	Gross   int64 `json:"gross"`   // their amounts
	Refunds int64 `json:"refunds"` // what was refunded of them, as of now
	Net     int64 `json:"net"`     // gross − refunds
}

func (t *Totals) add(p *store.Payment) {
	t.Count++
	t.Gross += p.Amount
	t.Refunds += p.RefundedAmount
	t.Net = t.Gross - t.Refunds
}

// Line is the totals of one wallet or one lane.
type Line struct {
	Name string `json:"name"`
	Totals
}

// Open is a payment of the day still being settled: the day's totals are
// not final until it is.
type Open struct {
	ID          string      `json:"id"`
	TerminalID  string      `json:"terminal_id"`
	OrderNumber string      `json:"order_number"`
	Wallet      string      `json:"wallet,omitempty"`
	Amount      int64       `json:"amount"`
	State       store.State `json:"state"`
}

// OpenRefund is a refund of one of the day's payments still in progress
// (pending, in flight or unknown): the day's refunds and net change when
// it ends.
type OpenRefund struct {
	ID          string            `json:"id"`
	PaymentID   string            `json:"payment_id"`
	TerminalID  string            `json:"terminal_id"`
	OrderNumber string            `json:"order_number"`
	Wallet      string            `json:"wallet,omitempty"`
	Amount      int64             `json:"amount"`
	State       store.RefundState `json:"state"`
}

// Daily is one business day's report.
type Daily struct {
	Date     string         `json:"date"`      // the business day, YYYY-MM-DD
	From     time.Time      `json:"from"`      // its first instant
	To       time.Time      `json:"to"`        // the next day's first instant (not included)
	TimeZone string         `json:"time_zone"` // the zone days are counted in
	Total    Totals         `json:"total"`     // every wallet
	Wallets  []Line         `json:"wallets"`   // by wallet name
	Lanes    []Line         `json:"lanes"`     // by terminal_id
	States   map[string]int `json:"states"`    // every payment of the day by state, sales or not
	Open     []Open         `json:"open"`      // not final yet (unknown, reversing…): settle them before closing the day
	// OpenRefunds are the refunds of the day's payments not final yet,
	// oldest first: refunds count in the day of the payment they refund.
	OpenRefunds []OpenRefund `json:"open_refunds"`
	Payments    int          `json:"payments"`  // payments created in the day, whatever became of them
	Generated   time.Time    `json:"generated"` // refunds count as of this moment
}

// sale reports whether p took money that counts in the day's takings:
// approved, or approved and then refunded (its refunds count apart). A
// reversed payment gave the money back because the POS cancelled the
// sale: it is no sale.
func sale(s store.State) bool { return s == store.Approved || s == store.Refunded }

// BuildDaily is the report of date's business day over ps (every payment
// created in it) and open (refunds not final, of any day). Refunds count
// in the day of the payment they refund.
func BuildDaily(c Config, date string, from, to time.Time, ps []store.Payment, open []store.Refund, now time.Time) Daily {
	d := Daily{Date: date, From: from.In(c.loc()), To: to.In(c.loc()), TimeZone: c.loc().String(),
		Wallets: []Line{}, Lanes: []Line{}, States: map[string]int{}, Open: []Open{}, OpenRefunds: []OpenRefund{},
		Payments: len(ps), Generated: now.In(c.loc())}
	wallets, lanes := map[string]*Totals{}, map[string]*Totals{}
	byID := make(map[string]*store.Payment, len(ps))
	for i := range ps {
		p := &ps[i]
		byID[p.ID] = p
		d.States[string(p.State)]++
		if !p.State.Final() {
			d.Open = append(d.Open, Open{ID: p.ID, TerminalID: p.TerminalID, OrderNumber: p.OrderNumber, Wallet: p.Wallet, Amount: p.Amount, State: p.State})
		}
		if !sale(p.State) {
			continue
		}
		d.Total.add(p)
		addTo(wallets, p.Wallet, p)
		addTo(lanes, p.TerminalID, p)
	}
	d.Wallets, d.Lanes = lines(wallets), lines(lanes)
	open = slices.Clone(open)
	slices.SortStableFunc(open, func(a, b store.Refund) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	for _, r := range open {
		if p := byID[r.PaymentID]; p != nil && !r.State.Final() {
			d.OpenRefunds = append(d.OpenRefunds, OpenRefund{ID: r.ID, PaymentID: p.ID, TerminalID: p.TerminalID,
				OrderNumber: p.OrderNumber, Wallet: p.Wallet, Amount: r.Amount, State: r.State})
		}
	}
	return d
}

func addTo(m map[string]*Totals, key string, p *store.Payment) {
	if m[key] == nil {
		m[key] = &Totals{}
	}
	m[key].add(p)
}

func lines(m map[string]*Totals) []Line {
	out := make([]Line, 0, len(m))
	for name, t := range m {
		out = append(out, Line{Name: name, Totals: *t})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Reporter answers reports from a Source.
type Reporter struct {
	src Source
	cfg Config
}

// New makes a Reporter; cfg must pass Check.
func New(src Source, cfg Config) (*Reporter, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return &Reporter{src: src, cfg: cfg}, nil
}

// Config is the reporter's business day.
func (r *Reporter) Config() Config { return r.cfg }

// Daily is the report of date's business day ("" = the one now is in).
func (r *Reporter) Daily(date string, now time.Time) (Daily, error) {
	if strings.TrimSpace(date) == "" {
		date = r.cfg.DateOf(now)
	}
	from, to, err := r.cfg.Day(date)
	if err != nil {
		return Daily{}, err
	}
	ps, err := r.src.CreatedBetween(from, to, 0)
	if err != nil {
		return Daily{}, fmt.Errorf("read the payments of %s: %w", date, err)
	}
	open, err := r.src.PendingRefunds()
	if err != nil {
		return Daily{}, fmt.Errorf("read the refunds in progress: %w", err)
	}
	return BuildDaily(r.cfg, strings.TrimSpace(date), from, to, ps, open, now), nil
}

// Rows are the payments created in [from, to) (see Config.Range for the
// forms), oldest first, as a reconciler reads them.
func (r *Reporter) Rows(from, to string) (Export, error) {
	f, t, err := r.cfg.Range(from, to)
	if err != nil {
		return Export{}, err
	}
	ps, err := r.src.CreatedBetween(f, t, 0)
	if err != nil {
		return Export{}, fmt.Errorf("read the payments from %s to %s: %w", f.Format(time.RFC3339), t.Format(time.RFC3339), err)
	}
	out := Export{From: f.In(r.cfg.loc()), To: t.In(r.cfg.loc()), Rows: make([]Row, 0, len(ps))}
	for i := range ps {
		out.Rows = append(out.Rows, RowOf(&ps[i], r.cfg.loc()))
	}
	return out, nil
}
