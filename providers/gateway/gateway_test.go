package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/gateway"
	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
)

const (
	authKey = "AUTH-secret-4f1c9d"
	accKey  = "ACC-secret-77b2e0"
)

// echo is a gateway with one endpoint, /echo, that answers the body it got.
type echo struct {
	auth    *gatewaytest.Auth
	srv     *httptest.Server
	bodies  [][]byte
	mu      sync.Mutex
	refuse  atomic.Int32 // answer this many /echo requests 401 regardless of token
	hangFor time.Duration
}

func newEcho(t testing.TB) *echo {
	t.Helper()
	e := &echo{auth: gatewaytest.NewAuth(authKey, accKey)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2/auth/login", e.auth.ServeLogin)
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if !e.auth.Check(w, r) {
			return
		}
		if e.refuse.Load() > 0 {
			e.refuse.Add(-1)
			gatewaytest.WriteJSON(w, http.StatusUnauthorized, map[string]string{"message": "nope"})
			return
		}
		b, _ := io.ReadAll(r.Body)
		if e.hangFor > 0 {
			// The body is read, so the server notices the client leaving.
			select {
			case <-r.Context().Done():
			case <-time.After(e.hangFor):
			}
			return
		}
		e.mu.Lock()
		e.bodies = append(e.bodies, b)
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func newClient(t testing.TB, base, auth, acc string, log io.Writer) *gateway.Client {
	t.Helper()
	c, err := gateway.New(gateway.Options{
		BaseURL: base, AuthKey: auth, AccKey: acc,
		HTTP:   &http.Client{Timeout: 5 * time.Second},
		Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTokenIsCachedAcrossRequests(t *testing.T) {
	e := newEcho(t)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	for i := range 3 {
		resp, err := c.Post(context.Background(), "/echo", map[string]int{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != 200 || string(resp.Body) != `{"n":`+string(rune('0'+i))+`}` {
			t.Fatalf("answer %d: %d %s", i, resp.Status, resp.Body)
		}
	}
	if got := e.auth.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1 (token cached)", got)
	}
}

func TestExpiredTokenLogsInOnceAndResendsTheSameBytes(t *testing.T) {
	e := newEcho(t)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	if _, err := c.Post(context.Background(), "/echo", map[string]string{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	e.auth.Expire()
	resp, err := c.Post(context.Background(), "/echo", map[string]string{"a": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != `{"a":"2"}` {
		t.Fatalf("resent body = %s", resp.Body)
	}
	if e.auth.Logins() != 2 || c.Logins() != 2 {
		t.Fatalf("logins server=%d client=%d, want 2", e.auth.Logins(), c.Logins())
	}
	if len(e.bodies) != 2 {
		t.Fatalf("the server processed %d requests, want 2", len(e.bodies))
	}
}

func TestA401AfterAFreshLoginIsAnAuthErrorNotALoop(t *testing.T) {
	e := newEcho(t)
	e.refuse.Store(5)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	_, err := c.Post(context.Background(), "/echo", map[string]string{})
	var ae *gateway.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	if e.auth.Logins() != 2 || e.refuse.Load() != 3 {
		t.Fatalf("logins=%d refusals left=%d: want exactly one re-login and one resend", e.auth.Logins(), e.refuse.Load())
	}
	if o := gateway.Outcome(err); o.Kind != providers.ConfigError {
		t.Fatalf("outcome = %v, want config_error", o.Kind)
	}
}

func TestWrongKeysAreAConfigErrorWithoutTheKeys(t *testing.T) {
	e := newEcho(t)
	var log bytes.Buffer
	c := newClient(t, e.srv.URL, authKey, "wrong-acc-key-123", &log)
	_, err := c.Post(context.Background(), "/echo", map[string]string{})
	var le *gateway.LoginError
	if !errors.As(err, &le) || le.Status != 401 {
		t.Fatalf("err = %v, want *LoginError 401", err)
	}
	o := gateway.Outcome(err)
	if o.Kind != providers.ConfigError || !strings.Contains(o.Message, "auth_key") {
		t.Fatalf("outcome = %+v", o)
	}
	for _, s := range []string{err.Error(), o.Message, log.String()} {
		for _, secret := range []string{authKey, "wrong-acc-key-123"} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret leaked into %q", s)
			}
		}
	}
}

func TestTransportFailuresSayWhetherTheRequestLeft(t *testing.T) {
	// A port nobody listens on: refused before any byte is written.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()

	e := newEcho(t)
	e.hangFor = 10 * time.Second

	tests := []struct {
		name        string
		base        string
		wantNotSent bool
	}{
		{"connection refused at login", dead, true},
		{"hang after the request was sent", e.srv.URL, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.base, authKey, accKey, io.Discard)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := c.Post(ctx, "/echo", map[string]string{})
			var se *gateway.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SendError", err)
			}
			if se.NotSent != tc.wantNotSent {
				t.Fatalf("NotSent = %v, want %v (%v)", se.NotSent, tc.wantNotSent, err)
			}
			o := gateway.Outcome(err)
			if o.Kind != providers.Unknown || o.NotSent != tc.wantNotSent {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

func TestRefusedConnectionAfterLoginIsNotSent(t *testing.T) {
	e := newEcho(t)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	if err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	_, err := c.Post(context.Background(), "/echo", map[string]string{})
	var se *gateway.SendError
	if !errors.As(err, &se) || !se.NotSent {
		t.Fatalf("err = %v, want a not-sent *SendError", err)
	}
}

func TestConcurrentRequestsShareOneLogin(t *testing.T) {
	e := newEcho(t)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := c.Post(context.Background(), "/echo", map[string]int{"i": i}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := e.auth.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name, base, auth, acc, want string
	}{
		{"no scheme", "gateway.example.com", "a", "b", "base_url"},
		{"ftp", "ftp://gateway.example.com", "a", "b", "base_url"},
		{"no keys", "https://gateway.example.com", "", "b", "auth_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.New(gateway.Options{BaseURL: tc.base, AuthKey: tc.auth, AccKey: tc.acc})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestParseLogin(t *testing.T) {
	tests := []struct {
		name, body, want string
		ok               bool
	}{
		{"plain", `{"token":"abc.def"}`, "abc.def", true},
		{"wrapped", `{"data":{"token":"xyz"}}`, "xyz", true},
		{"empty", `{"token":""}`, "", false},
		{"absent", `{"message":"bad"}`, "", false},
		{"not json", `<html>`, "", false},
		{"space", `{"token":"a b"}`, "", false},
		{"wrong type", `{"token":12}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := gateway.ParseLogin([]byte(tc.body))
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseLogin(%s) = %q, %v", tc.body, got, err)
			}
		})
	}
}

func FuzzParseLogin(f *testing.F) {
	f.Add([]byte(`{"token":"abc"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := gateway.ParseLogin(body)
		if err == nil {
			if tok == "" || strings.ContainsAny(tok, " \r\n\t") {
				t.Fatalf("accepted token %q", tok)
			}
			// A token we accept must have come from the body.
			var probe any
			if json.Unmarshal(body, &probe) != nil {
				t.Fatalf("accepted a token from invalid JSON %q", body)
			}
		}
	})
}

func TestScrubRedactsKeysAndToken(t *testing.T) {
	e := newEcho(t)
	c := newClient(t, e.srv.URL, authKey, accKey, io.Discard)
	if err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	tok := e.auth.Tokens()[0]
	got := c.Scrub("a="+authKey+" b="+accKey+" t="+tok+" k=merchant-key", "merchant-key")
	if got != "a=[redacted] b=[redacted] t=[redacted] k=[redacted]" {
		t.Fatal(got)
	}
	if got := gateway.ScrubCode("code 22J1234567891111 refused", "22J1234567891111"); got != "code 22J1…1111 refused" {
		t.Fatal(got)
	}
}
