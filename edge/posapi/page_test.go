package posapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/store"
)

// pageClient logs in to the status page by a link minted with the token,
// as `scanpay open` and a browser would, and returns a client holding the
// session cookie and the page's CSRF token.
func pageClient(t *testing.T, ts *testServer) (*http.Client, string) {
	t.Helper()
	return pageClientAs(t, ts, "J. Chen")
}

// pageClientAs is pageClient for another operator.
func pageClientAs(t *testing.T, ts *testServer, operator string) (*http.Client, string) {
	t.Helper()
	op, _ := json.Marshal(PageLinkBody{Operator: operator})
	a := call(t, "POST", ts.url+"/v1/page/link", string(op), nil)
	var link PageLink
	if a.status != 200 {
		t.Fatalf("link: %d %s", a.status, a.body)
	}
	a.decode(t, &link)
	if !strings.HasPrefix(link.Path, "/login?k=") || link.ExpiresIn != 60 || link.URL != ts.url+link.Path {
		t.Fatalf("link = %+v", link)
	}
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	res, err := cl.Get(ts.url + link.Path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		t.Fatalf("login: %d at %s", res.StatusCode, res.Request.URL)
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	// The link is spent.
	if res, err := http.Get(ts.url + link.Path); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("the link a second time: %v %v", res.StatusCode, err)
	}
	return cl, string(m[1])
}

func TestPageNeedsALinkMintedWithTheToken(t *testing.T) {
	ts := startServer(t, newFakeEngine("lane-1"))
	if a := call(t, "POST", ts.url+"/v1/page/link", "", map[string]string{"Authorization": ""}); a.status != 401 {
		t.Errorf("a link without the token: %d", a.status)
	}
	if a := call(t, "POST", ts.url+"/v1/page/link", `{"operator":"a\u0007b"}`, nil); a.status != 400 {
		t.Errorf("an operator with a control character: %d", a.status)
	}
	res, err := http.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 401 || !strings.Contains(string(body), "scanpay open") || strings.Contains(string(body), `name="csrf"`) {
		t.Errorf("the page without a session: %d\n%s", res.StatusCode, body)
	}
	for _, path := range []string{"/page/live?part=live", "/page/events", "/page/today.csv"} {
		if a := call(t, "GET", ts.url+path, "", map[string]string{"Authorization": ""}); a.status != 401 {
			t.Errorf("GET %s without a session: %d", path, a.status)
		}
	}
	// The token is no way into the page's state changes.
	if a := call(t, "POST", ts.url+"/page/settle", "id=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); a.status != 401 {
		t.Errorf("POST /page/settle with the token but no session: %d", a.status)
	}

	a := call(t, "POST", ts.url+"/v1/page/link", "", nil)
	var link PageLink
	a.decode(t, &link)
	res, err = (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(ts.url + link.Path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var c *http.Cookie
	for _, k := range res.Cookies() {
		if k.Name == "scanpay_session" {
			c = k
		}
	}
	if res.StatusCode != http.StatusSeeOther || c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("login answer %d, cookie %+v: want 303 with an HttpOnly, SameSite=Strict session cookie", res.StatusCode, c)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

// unknownPayment starts a server whose one payment is unknown.
func unknownPayment(t *testing.T) (*fakeEngine, *testServer, string) {
	t.Helper()
	eng := newFakeEngine("lane-1")
	ts := startServer(t, eng)
	if a := call(t, "POST", ts.url+"/v1/payments", `{"terminal_id":"lane-1","order_number":"42","amount":300}`, nil); a.status != 201 {
		t.Fatal(a.status)
	}
	id := eng.waitForPayment(1)
	eng.settle(id, store.Unknown)
	return eng, ts, id
}

func TestPageSettleNeedsCSRFSameOriginAndConfirmation(t *testing.T) {
	eng, ts, id := unknownPayment(t)
	cl, csrf := pageClient(t, ts)

	post := func(form url.Values, origin string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.url+"/page/settle", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	form := func(csrf, confirm string) url.Values {
		return url.Values{"csrf": {csrf}, "id": {id}, "outcome": {"declined"}, "note": {"portal: not found"}, "confirm": {confirm}}
	}
	state := func() store.State {
		v, _ := eng.Payment(t.Context(), id)
		return v.State
	}
	// No problem names it (the engine is still settling it by itself):
	// no form on the page.
	res, err := cl.Get(ts.url + "/page/live?part=problems")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(string(b), "settle-"+id) {
		t.Errorf("a form for an unknown payment no problem names: %d\n%s", res.StatusCode, b)
	}
	if st, _ := post(form("", "yes"), ts.url); st != 403 || state() != store.Unknown {
		t.Errorf("without the CSRF token: %d, payment %s", st, state())
	}
	if st, body := post(form(csrf, "yes"), "http://127.0.0.1:1"); st != 403 || !strings.Contains(body, "forbidden_origin") || state() != store.Unknown {
		t.Errorf("from a foreign origin with the right CSRF token: %d %s, payment %s", st, body, state())
	}
	if st, body := post(form(csrf, ""), ts.url); st != 200 || !strings.Contains(body, "請勾選確認方塊") || state() != store.Unknown {
		t.Errorf("without the confirmation: %d, payment %s", st, state())
	}
	if st, body := post(form(csrf, "yes"), ts.url); st != 200 || state() != store.Declined || !strings.Contains(body, "已記錄結果") {
		t.Fatalf("settle: %d, payment %s\n%s", st, state(), body)
	}
	refund := url.Values{"csrf": {csrf}, "id": {"rf-404"}, "kind": {"refund"}, "outcome": {"failed"}, "note": {"x"}, "confirm": {"yes"}}
	if st, body := post(refund, ts.url); st != 200 || !strings.Contains(body, "沒有記錄") || !strings.Contains(body, "rf-404") {
		t.Errorf("settling a refund the engine does not know: %d\n%s", st, body)
	}
	v, _ := eng.Payment(t.Context(), id)
	last := v.History[len(v.History)-1].Reason
	if !regexp.MustCompile(`^settled by an operator: portal: not found — status page session [0-9a-f]{8} \(opened by J\. Chen\)$`).MatchString(last) {
		t.Errorf("history says %q; want the note, the session and who opened it", last)
	}
	// The live parts and the CSV answer a session.
	res, err = cl.Get(ts.url + "/page/live?part=live&lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "totals per wallet") || !strings.Contains(string(b), "declined") {
		t.Errorf("live part: %d\n%s", res.StatusCode, b)
	}
	res, err = cl.Get(ts.url + "/page/today.csv")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), id+",") {
		t.Errorf("today.csv: %d\n%s", res.StatusCode, b)
	}
}

// A note as long as the form lets a manager type, in Chinese (three
// bytes a character), with the longest operator name, still fits the
// engine's limit once the page adds the session to it.
func TestPageNoteAsLongAsTheFormAllowsIsAccepted(t *testing.T) {
	eng, ts, id := unknownPayment(t)
	eng.mu.Lock()
	eng.health.Problems = []string{"payment " + id + " is unknown: check the portal, then scanpay settle " + id + " --as approved|declined --note \"...\""}
	eng.mu.Unlock()
	cl, csrf := pageClientAs(t, ts, strings.Repeat("陳", 21)) // 63 bytes, at most 64
	res, err := cl.Get(ts.url + "/page/live?part=problems")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`<textarea name="note"[^>]* maxlength="(\d+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no note field with a maxlength in the settle form:\n%s", b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	form := url.Values{"csrf": {csrf}, "id": {id}, "outcome": {"declined"}, "note": {strings.Repeat("查", n)}, "confirm": {"yes"}}
	req, _ := http.NewRequest("POST", ts.url+"/page/settle", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if v, _ := eng.Payment(t.Context(), id); v.State != store.Declined {
		t.Errorf("a note of %d Chinese characters (the form's maxlength): payment %s\n%s", n, v.State, b)
	}
}
