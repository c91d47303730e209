//go:build !windows

package posapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// chromium finds a Chromium to drive: $SCANPAY_CHROMIUM, else Debian's
// chromium or another usual name. Without one the test skips, saying
// so, unless SCANPAY_REQUIRE_CHROMIUM=1 (CI, which installs it).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SCANPAY_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SCANPAY_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome or $SCANPAY_CHROMIUM) and SCANPAY_REQUIRE_CHROMIUM=1: install it (apt-get install chromium)")
	}
	t.Skip("no Chromium binary on this machine (apt-get install chromium, or set SCANPAY_CHROMIUM): the status page's browser tests are skipped")
	return ""
}

// artifacts is the folder this test's screenshots go to:
// $SCANPAY_ARTIFACTS/<test>, else <temp>/scanpay-artifacts/<test>.
func artifacts(t *testing.T) string {
	t.Helper()
	root := os.Getenv("SCANPAY_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "scanpay-artifacts")
	}
	dir := filepath.Join(root, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// browser starts a headless Chromium with an empty profile; the flags are
// the ones that work in a container without a GPU, a sandbox or network.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	// Chromium has been seen to exit at start-up, once, while the whole
	// suite loaded both cores: a start is tried three times, each failure
	// logged. What the page does is never retried.
	var errs []error
	for attempt := 1; attempt <= 3; attempt++ {
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.UserDataDir(t.TempDir()),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelBrowser := chromedp.NewContext(actx)
		ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
		stop := func() { cancelTimeout(); cancelBrowser(); cancelAlloc() }
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768)); err != nil {
			stop()
			errs = append(errs, err)
			t.Logf("starting Chromium (%s), attempt %d: %v", path, attempt, err)
			time.Sleep(time.Second)
			continue
		}
		t.Cleanup(stop)
		return ctx
	}
	t.Fatalf("Chromium (%s) did not start in 3 attempts: %v", path, errors.Join(errs...))
	return nil
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls the page until js is true.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](js)); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
		t.Fatalf("waiting for %s (%s): %v\npage text:\n%s", what, js, err, html)
	}
}

// TestPageInChromium drives the status page in a real headless Chromium:
// log in by a link minted with the token; see a payment the POS makes
// appear without a reload; settle an unknown payment through the form;
// and a page from a foreign origin cannot settle one, even holding the
// CSRF token.
func TestPageInChromium(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	eng := newFakeEngine("lane-1", "lane-2")
	// The engine names the command to run in a problem that needs a
	// supervisor: the page puts a form on exactly those.
	eng.health.Problems = []string{
		"receipt hook erp-webhook: 3 receipts not delivered (POST http://erp.local/receipt: connection refused); check that the ERP is running",
		"payment pay-2 (order A-102, 450 TWD, lane lane-2) is still unknown: wallet easywallet answers 500. scanpay keeps asking; if this persists, check the order in easywallet's merchant portal and record what it shows: scanpay settle pay-2 --as approved --transaction <id> --note \"...\" (or --as declined if no money moved)",
		"payment pay-3 (order A-103, 3600 TWD, lane lane-1) is still unknown: wallet ipass answers timeout. scanpay keeps asking; if this persists, check the order in ipass's merchant portal and record what it shows: scanpay settle pay-3 --as approved --transaction <id> --note \"...\" (or --as declined if no money moved)",
		"refund rf-9 of 200 TWD (payment pay-0, order A-090) may have gone through, but wallet jkopay now refuses it (812): check in the wallet's merchant portal whether it was refunded; record what the portal shows with: scanpay settle --refund rf-9 --as succeeded --transaction <id> --note \"...\" (or --as failed if no money went back)",
	}
	eng.health.Hooks = map[string]string{"printer": "ok", "erp-webhook": "POST http://erp.local/receipt: connection refused"}
	devs := fakeDevices([]scanner.DeviceStatus{
		{Device: "/dev/serial/by-id/usb-Honeywell_1900-if00", Kind: "serial", Lane: "lane-1", Connected: true, Since: eng.now},
		{Device: "hid:0c2e:0b61", Kind: "hid", Lane: "lane-2", Connected: false, LastError: "device unplugged", Since: eng.now},
	})
	ts := startServerWith(t, eng, devs)

	// 1. Log in by the link, as `scanpay open` opens it.
	var link PageLink
	call(t, "POST", ts.url+"/v1/page/link", `{"operator":"店長 王"}`, nil).decode(t, &link)
	if err := chromedp.Do(ctx, chromedp.Navigate(link.URL)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the page after login", `location.pathname === "/" && !!document.querySelector("#totals")`)
	if title := eval[string](t, ctx, "document.title"); title != "scanpay 門市狀態" {
		t.Errorf("title %q: want the Traditional Chinese default", title)
	}
	if eval[bool](t, ctx, `document.cookie.includes("scanpay_session")`) {
		t.Error("the session cookie is readable from script: it must be HttpOnly")
	}
	waitFor(t, ctx, "the event stream", `document.getElementById("status").className === ""`)
	waitFor(t, ctx, "the lanes", `document.querySelectorAll("#lanes li.down").length === 1 && document.querySelectorAll("#lanes li.up").length === 1`)

	// 2. A payment made through the POS API appears without a reload.
	eval[bool](t, ctx, "window.notReloaded = true")
	for i, amount := range []int{1280, 450, 3600} {
		body := fmt.Sprintf(`{"terminal_id":"lane-%d","order_number":"A-%03d","amount":%d}`, i%2+1, 101+i, amount)
		if a := call(t, "POST", ts.url+"/v1/payments", body, nil); a.status != 201 {
			t.Fatalf("create: %d %s", a.status, a.body)
		}
	}
	for id, w := range map[string]string{"pay-1": "jkopay", "pay-2": "easywallet", "pay-3": "ipass"} {
		eng.mu.Lock()
		eng.payments[id].Wallet, eng.payments[id].MaskedCode = w, "2212…34AB"
		eng.mu.Unlock()
	}
	eng.settle("pay-1", store.Approved)
	waitFor(t, ctx, "pay-1 approved in the table", `!!document.querySelector('#payments tr[data-id="pay-1"].st-approved')`)
	waitFor(t, ctx, "the totals", `document.getElementById("total-net").textContent === "NT$1,280"`)
	if !eval[bool](t, ctx, "window.notReloaded === true") {
		t.Error("the page reloaded to show the payment")
	}

	// 3. An unknown payment shows in the problems with a form; settle it.
	eng.settle("pay-2", store.Unknown)
	eng.settle("pay-3", store.Unknown)
	waitFor(t, ctx, "the settle forms", `document.querySelectorAll("form.settle").length === 3`)
	if !eval[bool](t, ctx, `!!document.querySelector('#settle-rf-9 input[value="succeeded"]') && !!document.querySelector('#settle-rf-9 input[name="kind"][value="refund"]')`) {
		t.Error("the unknown refund has no settle form")
	}
	if !eval[bool](t, ctx, `document.querySelector(".problem-list").innerText.includes("erp-webhook")`) {
		t.Error("the engine's problem is not on the page")
	}
	screenshot(t, ctx, dir, "page-zh-1366x768.png")
	form := `#settle-pay-2 `
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(form+`input[value="declined"]`)),
		chromedp.SendKeys(chromedp.CSS(form+`textarea[name="note"]`), "已查 JKOPay 後台，查無此訂單 — 王店長"),
		chromedp.Click(chromedp.CSS(form+`input[name="confirm"]`)),
	); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, dir, "settle-form.png")
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(form+`button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the confirmation", `(document.getElementById("flash")||{}).textContent.includes("已記錄結果")`)
	v, _ := eng.Payment(ctx, "pay-2")
	if v.State != store.Declined {
		t.Fatalf("pay-2 is %s after the form; want declined", v.State)
	}
	if why := v.History[len(v.History)-1].Reason; !strings.Contains(why, "王店長 — status page session ") || !strings.Contains(why, "(opened by 店長 王)") {
		t.Errorf("history says %q; want the note, the session and who opened it", why)
	}

	// 4. A page from another origin (another port: same site, so the
	// SameSite cookie goes along) posts the form with the right CSRF
	// token: the Origin check refuses it.
	csrf := eval[string](t, ctx, `document.querySelector('input[name="csrf"]').value`)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>evil</title><form id="f" method="post" action="%s/page/settle">
<input name="csrf" value="%s"><input name="id" value="pay-3"><input name="outcome" value="approved">
<input name="transaction_id" value="T-1"><input name="note" value="evil"><input name="confirm" value="yes"></form>
<script>document.getElementById("f").submit()</script>`, ts.url, csrf)
	}))
	defer evil.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(evil.URL)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", `location.pathname === "/page/settle" && document.body.innerText.includes("forbidden_origin")`)
	screenshot(t, ctx, dir, "foreign-origin-refused.png")
	if v, _ := eng.Payment(ctx, "pay-3"); v.State != store.Unknown {
		t.Errorf("pay-3 is %s after the foreign page's post; want it still unknown", v.State)
	}

	// 5. English, on a phone.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(ts.url+"/?lang=en")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the English page", `document.title === "scanpay store status" && document.querySelectorAll("form.settle").length === 2`)
	if w := eval[float64](t, ctx, "document.documentElement.scrollWidth"); w > 390 {
		t.Errorf("on a 390px phone the page is %vpx wide: it scrolls sideways", w)
	}
	screenshot(t, ctx, dir, "page-en-phone.png")
}
