package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Taipei on any test machine

	"github.com/scanpay/scanpay/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// made is one payment of the hand-computed day: made at (Taipei time),
// settled three seconds later in state, refunded by refund.
type made struct {
	id, at, lane, wallet string
	amount               int64
	state                store.State
	refund               int64
}

// theDay is a store closing at 2 am: 2026-12-05's business day runs from
// 12-05 02:00 to 12-06 02:00, Taipei time.
var theDay = []made{
	{"p01", "2026-12-05 01:59:59", "lane-1", "jkopay", 100, store.Approved, 0},       // 12-04's last sale
	{"p02", "2026-12-05 02:00:00", "lane-1", "jkopay", 200, store.Approved, 0},       // 12-05's first
	{"p03", "2026-12-05 12:30:00", "lane-2", "easywallet", 500, store.Approved, 150}, // refunded in part
	{"p04", "2026-12-05 13:00:00", "lane-2", "ipass", 300, store.Declined, 0},        // no sale
	{"p05", "2026-12-05 18:00:00", "lane-1", "ipass", 80, store.Unknown, 0},          // open: not counted
	{"p08", "2026-12-05 20:00:00", "lane-2", "jkopay", 120, store.Refunded, 120},     // refunded in full
	{"p06", "2026-12-06 01:59:59", "lane-1", "easywallet", 1000, store.Approved, 0},  // 12-05's last
	{"p07", "2026-12-06 02:00:00", "lane-2", "jkopay", 50, store.Approved, 0},        // 12-06's first
}

var taipei = mustZone("Asia/Taipei")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// journalOfTheDay journals theDay in a real bbolt file, through the same
// transitions the engine makes.
func journalOfTheDay(t *testing.T) *store.Journal {
	t.Helper()
	c := &clock{}
	j, err := store.Open(filepath.Join(t.TempDir(), "journal.db"), store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	for _, s := range theDay {
		at, err := time.ParseInLocation(time.DateTime, s.at, taipei)
		if err != nil {
			t.Fatal(err)
		}
		c.set(at)
		p := store.Payment{ID: s.id, TerminalID: s.lane, OrderNumber: "order-" + s.id, Amount: s.amount, State: store.AwaitingScan}
		if _, _, err := j.Create(p); err != nil {
			t.Fatal(err)
		}
		move := func(from, to store.State, mut func(*store.Payment) error) {
			t.Helper()
			if _, err := j.Transition(s.id, store.Transition{From: []store.State{from}, To: to, Reason: "test", Mutate: mut}); err != nil {
				t.Fatalf("%s %s→%s: %v", s.id, from, to, err)
			}
		}
		move(store.AwaitingScan, store.Queued, func(p *store.Payment) error {
			p.Wallet, p.FullCode, p.MaskedCode = s.wallet, "2212345678901234AB", "2212…34AB"
			return nil
		})
		move(store.Queued, store.InFlight, nil)
		c.set(at.Add(3 * time.Second))
		switch s.state {
		case store.Unknown:
			move(store.InFlight, store.Unknown, nil)
			continue
		case store.Declined:
			move(store.InFlight, store.Declined, func(p *store.Payment) error { p.FullCode = ""; return nil })
			continue
		}
		move(store.InFlight, store.Approved, func(p *store.Payment) error {
			p.FullCode, p.Answer.TransactionID = "", "T-"+s.id
			return nil
		})
		if s.refund > 0 {
			c.set(at.Add(time.Hour))
			r, err := j.CreateRefund(store.Refund{ID: "r-" + s.id, PaymentID: s.id, Amount: s.refund})
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range []store.RefundState{store.RefundInFlight, store.RefundSucceeded} {
				if r, _, err = j.TransitionRefund(r.ID, store.RefundTransition{From: []store.RefundState{r.State}, To: to}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, _ := j.Get(s.id); got.State != s.state {
			t.Fatalf("%s is %s, want %s", s.id, got.State, s.state)
		}
	}
	return j
}

func TestDailyMatchesTheHandComputedDay(t *testing.T) {
	j := journalOfTheDay(t)
	r, err := New(j, Config{DayStarts: 2 * time.Hour, Location: taipei})
	if err != nil {
		t.Fatal(err)
	}
	// Refunds still in progress: r-b (p02, unknown) and r-a (p06,
	// pending) are of the day's payments, r-c of p07, the next day's.
	openRefund(t, j, "r-a", "p06", 300, "2026-12-07 08:00:00", store.RefundPending)
	openRefund(t, j, "r-b", "p02", 50, "2026-12-06 10:00:00", store.RefundUnknown)
	openRefund(t, j, "r-c", "p07", 20, "2026-12-06 11:00:00", store.RefundPending)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, taipei)
	d, err := r.Daily("2026-12-05", now)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: sales p02 200 (jkopay, lane-1), p03 500 −150 (easywallet,
	// lane-2), p08 120 −120 (jkopay, lane-2), p06 1000 (easywallet,
	// lane-1); p04 declined and p05 unknown are no sales; p01 and p07
	// belong to the days around.
	want := Daily{
		Date: "2026-12-05", TimeZone: "Asia/Taipei",
		From:  time.Date(2026, 12, 5, 2, 0, 0, 0, taipei),
		To:    time.Date(2026, 12, 6, 2, 0, 0, 0, taipei),
		Total: Totals{Count: 4, Gross: 1820, Refunds: 270, Net: 1550},
		Wallets: []Line{
			{"easywallet", Totals{Count: 2, Gross: 1500, Refunds: 150, Net: 1350}},
			{"jkopay", Totals{Count: 2, Gross: 320, Refunds: 120, Net: 200}},
		},
		Lanes: []Line{
			{"lane-1", Totals{Count: 2, Gross: 1200, Refunds: 0, Net: 1200}},
			{"lane-2", Totals{Count: 2, Gross: 620, Refunds: 270, Net: 350}},
		},
		States: map[string]int{"approved": 3, "refunded": 1, "declined": 1, "unknown": 1},
		Open:   []Open{{ID: "p05", TerminalID: "lane-1", OrderNumber: "order-p05", Wallet: "ipass", Amount: 80, State: store.Unknown}},
		OpenRefunds: []OpenRefund{
			{ID: "r-b", PaymentID: "p02", TerminalID: "lane-1", OrderNumber: "order-p02", Wallet: "jkopay", Amount: 50, State: store.RefundUnknown},
			{ID: "r-a", PaymentID: "p06", TerminalID: "lane-1", OrderNumber: "order-p06", Wallet: "easywallet", Amount: 300, State: store.RefundPending},
		},
		Payments:  6,
		Generated: now,
	}
	if !reflect.DeepEqual(d, want) {
		g, _ := json.MarshalIndent(d, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("report of 2026-12-05:\n%s\nwant (by hand):\n%s", g, w)
	}
	// The next day starts with p07 only.
	next, err := r.Daily("2026-12-06", now)
	if err != nil {
		t.Fatal(err)
	}
	if next.Total != (Totals{Count: 1, Gross: 50, Net: 50}) || next.Payments != 1 || len(next.OpenRefunds) != 1 || next.OpenRefunds[0].ID != "r-c" {
		t.Errorf("2026-12-06 = %+v, %d payments, open refunds %+v; want p07 alone (50 TWD) and its refund r-c", next.Total, next.Payments, next.OpenRefunds)
	}
}

// TestCSVMatchesTheHandWrittenFile exports the same business day and
// compares it with testdata/2026-12-05.csv, written by hand.
func TestCSVMatchesTheHandWrittenFile(t *testing.T) {
	j := journalOfTheDay(t)
	r, err := New(j, Config{DayStarts: 2 * time.Hour, Location: taipei})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := r.Rows("2026-12-05", "2026-12-06")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, ex.Rows); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "2026-12-05.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("CSV of 2026-12-05:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(buf.String(), "2212345678901234AB") {
		t.Error("the CSV holds a full payment code")
	}
}

func TestBadInputNamesTheFix(t *testing.T) {
	c := Config{DayStarts: 2 * time.Hour, Location: taipei}
	for _, tc := range []struct{ from, to, want string }{
		{"2026-12-5", "2026-12-06", "YYYY-MM-DD"},
		{"yesterday", "2026-12-06", "RFC 3339"},
		{"2026-12-06", "2026-12-05", "not before"},
		{"2026-12-05", "2026-12-05", "not before"},
		{"2024-01-01", "2026-01-01", "longer than a year"},
		{"", "2026-12-05", "both from and to"},
	} {
		_, _, err := c.Range(tc.from, tc.to)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Range(%q, %q) = %v; want an InputError saying %q", tc.from, tc.to, err, tc.want)
		}
	}
	for _, s := range []string{"2:00", "25:00", "02:00:00", "noon"} {
		if d, err := ParseDayStarts(s); err == nil && s != "2:00" {
			t.Errorf("ParseDayStarts(%q) = %s; want an error", s, d)
		}
	}
}

func TestBoundsAndDateOf(t *testing.T) {
	c := Config{DayStarts: 2 * time.Hour, Location: taipei}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2026-12-05", time.Date(2026, 12, 5, 2, 0, 0, 0, taipei)},
		{"2026-12-05T14:30", time.Date(2026, 12, 5, 14, 30, 0, 0, taipei)},
		{"2026-12-05 14:30:15", time.Date(2026, 12, 5, 14, 30, 15, 0, taipei)},
		{"2026-12-05T06:00:00Z", time.Date(2026, 12, 5, 14, 0, 0, 0, taipei)},
	} {
		got, err := c.Bound(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("Bound(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ at, want string }{
		{"2026-12-05 01:59:59", "2026-12-04"},
		{"2026-12-05 02:00:00", "2026-12-05"},
		{"2026-12-05 23:59:59", "2026-12-05"},
		{"2026-12-06 01:00:00", "2026-12-05"},
	} {
		at, _ := time.ParseInLocation(time.DateTime, tc.at, taipei)
		if got := c.DateOf(at); got != tc.want {
			t.Errorf("DateOf(%s) = %s; want %s", tc.at, got, tc.want)
		}
	}
}

// The journal's creation-time index counts nanoseconds in an int64, which
// wraps every 2^64 ns (about 584.5 years): a date outside its years must
// be refused, not read as a day of 2026.
func TestDatesOutsideTheJournalsYearsAreRefused(t *testing.T) {
	j := journalOfTheDay(t)
	r, err := New(j, Config{DayStarts: 2 * time.Hour, Location: taipei})
	if err != nil {
		t.Fatal(err)
	}
	half := time.Duration(1 << 62)
	noon := time.Date(2026, 12, 5, 12, 30, 0, 0, taipei)
	later := noon.Add(half).Add(half).Add(half).Add(half) // + 2^64 ns
	earlier := noon.Add(-half).Add(-half).Add(-half).Add(-half)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, taipei)
	for _, at := range []time.Time{later, earlier} {
		date := r.Config().DateOf(at)
		d, err := r.Daily(date, now)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "between") {
			t.Errorf("Daily(%q) = %d payments, total %+v, %v; want an InputError naming the years it takes", date, d.Payments, d.Total, err)
		}
		next := r.Config().DateOf(at.Add(24 * time.Hour))
		if ex, err := r.Rows(date, next); !errors.As(err, &ie) {
			t.Errorf("Rows(%q, %q) = %d rows, %v; want an InputError", date, next, len(ex.Rows), err)
		}
		if ex, err := r.Rows(at.Format(time.RFC3339), at.Add(time.Hour).Format(time.RFC3339)); !errors.As(err, &ie) {
			t.Errorf("Rows(%s, +1h) = %d rows, %v; want an InputError", at.Format(time.RFC3339), len(ex.Rows), err)
		}
	}
}

// TestSafeDefusesFormulas: a text cell a spreadsheet would run as a
// formula gets an apostrophe in front; any other is written as it is.
func TestSafeDefusesFormulas(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"R-1", "R-1"},
		{"=1+1", "'=1+1"},
		{"+886", "'+886"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"＝1+1", "'＝1+1"},         // full-width equals
		{"＋886", "'＋886"},         // full-width plus
		{"－2", "'－2"},             // full-width minus
		{"＠SUM(A1)", "'＠SUM(A1)"}, // full-width at
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"\n=1+1", "'\n=1+1"},
		{"訂單=1", "訂單=1"}, // not at the start
		{"a-b", "a-b"},
		{"\xff=1", "\xff=1"}, // invalid UTF-8 is no formula start
	} {
		if got := safe(c.in); got != c.want {
			t.Errorf("safe(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// openRefund journals a refund of payment that stays in state (pending,
// or moved on through in_flight to unknown), created at (Taipei time).
func openRefund(t *testing.T, j *store.Journal, id, payment string, amount int64, at string, state store.RefundState) {
	t.Helper()
	created, err := time.ParseInLocation(time.DateTime, at, taipei)
	if err != nil {
		t.Fatal(err)
	}
	r, err := j.CreateRefund(store.Refund{ID: id, PaymentID: payment, Amount: amount, CreatedAt: created})
	if err != nil {
		t.Fatal(err)
	}
	if state == store.RefundPending {
		return
	}
	for _, to := range []store.RefundState{store.RefundInFlight, state} {
		if r, _, err = j.TransitionRefund(r.ID, store.RefundTransition{From: []store.RefundState{r.State}, To: to}); err != nil {
			t.Fatal(err)
		}
	}
}
