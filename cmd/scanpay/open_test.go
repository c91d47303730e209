package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
)

func TestBrowserCommand(t *testing.T) {
	have := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			for _, h := range names {
				if h == n {
					return "/bin/" + n, nil
				}
			}
			return "", errors.New("not found")
		}
	}
	const u = "http://127.0.0.1:8727/login?k=x"
	for _, tc := range []struct {
		goos  string
		look  func(string) (string, error)
		want  string
		found bool
	}{
		{"linux", have("xdg-open"), "/bin/xdg-open " + u, true},
		{"linux", have("sensible-browser"), "/bin/sensible-browser " + u, true},
		{"linux", have(), "", false},
		{"windows", have("rundll32"), "/bin/rundll32 url.dll,FileProtocolHandler " + u, true},
		{"darwin", have("open"), "/bin/open " + u, true},
	} {
		name, args, ok := browserCommand(tc.goos, tc.look, u)
		if got := strings.TrimSpace(name + " " + strings.Join(args, " ")); ok != tc.found || got != tc.want {
			t.Errorf("%s: %q, %v; want %q, %v", tc.goos, got, ok, tc.want, tc.found)
		}
	}
}

// TestOpenPrintsALinkThatLogsInOnce: `scanpay open --no-browser` against
// a real SANDBOX daemon prints a link; a browser (here an HTTP client with
// a cookie jar) following it lands on the page, once.
func TestOpenPrintsALinkThatLogsInOnce(t *testing.T) {
	d, cfg := sandboxDaemon(t, edge.Config{}, io.Discard)
	rc, out, errOut := invoke(t, nil, "open", "--no-browser", "--operator", "J. Chen", "--addr", d.Addr(), "--token-file", cfg.API.TokenFile)
	link := regexp.MustCompile(`http://\S+/login\?k=\S+`).FindString(out)
	if rc != exitOK || link == "" || !strings.Contains(out, "60 seconds") {
		t.Fatalf("open: exit %d\n%s%s", rc, out, errOut)
	}
	jar, _ := cookiejar.New(nil)
	res, err := (&http.Client{Jar: jar}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "J. Chen") || !strings.Contains(string(body), `name="csrf"`) {
		t.Errorf("following the link: %d\n%s", res.StatusCode, body)
	}
	if res, err := http.Get(link); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("the link a second time: %v, %v", res.StatusCode, err)
	}
	if rc, _, errOut := invoke(t, nil, "open", "--no-browser", "--addr", d.Addr(), "--token-file", "/nonexistent/token"); rc == exitOK {
		t.Errorf("open without the token: exit %d %s", rc, errOut)
	}
}
