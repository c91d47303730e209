package statuspage

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Every text the templates ask for is in the catalogue, in both
// languages, and the two languages have the same keys.
func TestCatalogueIsComplete(t *testing.T) {
	cat, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	keys := func(l string) []string {
		var out []string
		for k := range cat[l] {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if zh, en := keys(langZH), keys(langEN); strings.Join(zh, ",") != strings.Join(en, ",") {
		t.Errorf("the languages differ:\nzh-TW %v\nen    %v", zh, en)
	}
	html, err := fs.ReadFile(assets, "assets/page.html")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.T "([a-z_.]+)"`).FindAllStringSubmatch(string(html), -1) {
		used[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`printf "([a-z_]+)\.%s"`).FindAllStringSubmatch(string(html), -1) {
		for k := range cat[langEN] {
			if strings.HasPrefix(k, m[1]+".") {
				used[k] = true
			}
		}
	}
	if len(used) < 40 {
		t.Fatalf("found only %d keys in page.html: is the pattern still right?", len(used))
	}
	for k := range used {
		for _, l := range []string{langZH, langEN} {
			if _, ok := cat[l][k]; !ok {
				t.Errorf("page.html uses %q, missing in %s", k, l)
			}
		}
	}
	for _, st := range []string{"awaiting_scan", "queued", "in_flight", "unknown", "reversing", "approved", "declined", "cancelled", "expired", "voided", "reversed", "refunded"} {
		if _, ok := cat[langZH]["state."+st]; !ok {
			t.Errorf("no text for state %s", st)
		}
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }
func (c *fakeClock) sessions() *sessions { return newSessions(c.now, time.Minute, time.Hour) }

func TestLinkWorksOnceAndInTime(t *testing.T) {
	c := newFakeClock()
	s := c.sessions()

	k := s.mint("J. Chen")
	cookie, sess, ok := s.redeem(k)
	if !ok || cookie == "" || sess.operator != "J. Chen" || len(sess.csrf) < 40 {
		t.Fatalf("redeem = %q, %+v, %v", cookie, sess, ok)
	}
	if _, _, ok := s.redeem(k); ok {
		t.Error("a link worked twice")
	}
	if got, ok := s.get(cookie); !ok || got != sess {
		t.Error("the session is not found by its cookie")
	}

	late := s.mint("")
	c.add(time.Minute + time.Second)
	if _, _, ok := s.redeem(late); ok {
		t.Error("a link worked after its minute")
	}
	if _, _, ok := s.redeem("made-up"); ok {
		t.Error("a made-up link worked")
	}

	c.add(time.Hour) // the session above was last used over an hour ago
	if _, ok := s.get(cookie); ok {
		t.Error("a session outlived an hour unused")
	}
}

func TestLinksAndSessionsAreBounded(t *testing.T) {
	c := newFakeClock()
	s := c.sessions()
	var first string
	for i := range maxLinks + 5 {
		c.add(time.Second) // the oldest is the first, without ties
		k := s.mint("")
		if i == 0 {
			first = k
		}
	}
	if len(s.links) != maxLinks {
		t.Errorf("%d links kept; want %d", len(s.links), maxLinks)
	}
	if _, _, ok := s.redeem(first); ok {
		t.Error("the oldest link survived the limit")
	}
	for range maxSessions + 3 {
		c.add(time.Second)
		if _, _, ok := s.redeem(s.mint("")); !ok {
			t.Fatal("redeem failed")
		}
	}
	if len(s.open) != maxSessions {
		t.Errorf("%d sessions open; want %d", len(s.open), maxSessions)
	}
}

func TestMoney(t *testing.T) {
	for n, want := range map[int64]string{0: "NT$0", 999: "NT$999", 1000: "NT$1,000", 1234567: "NT$1,234,567", -1500: "-NT$1,500"} {
		if got := money(n); got != want {
			t.Errorf("money(%d) = %q; want %q", n, got, want)
		}
	}
}
