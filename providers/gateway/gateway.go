package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// LoginPath is where the gateway hands out bearer tokens.
const LoginPath = "/v2/auth/login"

// maxBody caps what is read of an answer: the gateway's answers are small,
// and a runaway body must not exhaust the store PC's memory.
const maxBody = 1 << 20

// Options configures a Client.
type Options struct {
	BaseURL string // e.g. https://gateway.example.com, no trailing path needed
	AuthKey string // the gateway's authkey; a secret
	AccKey  string // the gateway's acckey; a secret
	HTTP    *http.Client
	Logger  *slog.Logger
}

// Client sends authenticated requests to the gateway. It is safe for
// concurrent use.
//
// The token cache is our own few lines rather than oauth2.ReuseTokenSource:
// the gateway's token has no documented lifetime, so expiry is learnt from a
// 401, and ReuseTokenSource has no way to drop a token the server refused.
type Client struct {
	base   string
	auth   string
	acc    string
	http   *http.Client
	logger *slog.Logger

	mu     sync.Mutex // held across a login so that concurrent callers share it
	token  string
	logins int

	lastToken atomic.Value // string: the token, for Scrub without waiting on mu
}

// New checks the options and makes a Client. It does not log in.
func New(o Options) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(o.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gateway base URL %q is not an http(s) URL: set base_url to the gateway's address, e.g. https://gateway.example.com", base)
	}
	if o.AuthKey == "" || o.AccKey == "" {
		return nil, errors.New("gateway auth_key or acc_key is empty: set both to the keys the gateway issued you")
	}
	hc := o.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	lg := o.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Client{base: base, auth: o.AuthKey, acc: o.AccKey, http: hc, logger: lg}, nil
}

// Response is the gateway's answer to a request: any HTTP status, the body
// read whole.
type Response struct {
	Status int
	Body   []byte
}

// LoginError means the gateway refused the keys (401/403 on login): an
// administrator must fix the configuration. No request was sent.
type LoginError struct {
	Status  int
	Message string // the gateway's own words, if any; never a secret
}

func (e *LoginError) Error() string {
	msg := fmt.Sprintf("the gateway refused the login (HTTP %d)", e.Status)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg + ": check auth_key and acc_key against what the gateway issued"
}

// AuthError means a request was refused with 401 even with a fresh token.
// The gateway accepted the keys but not their use for this call: an
// administrator must check the account's permissions. The request was
// refused, so no money moved.
type AuthError struct {
	Path string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("the gateway refused %s with 401 right after a fresh login: check that the gateway account may use this wallet", e.Path)
}

// SendError is a request that got no HTTP answer (connection, timeout, a
// body cut short), or a login that failed for a reason other than the keys.
type SendError struct {
	// NotSent: the request provably never reached the gateway (no
	// connection was made, or the login before it failed).
	NotSent bool
	Err     error
}

func (e *SendError) Error() string {
	if e.NotSent {
		return "gateway request not sent: " + e.Err.Error()
	}
	return "gateway request may have been sent, no answer: " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// Logins reports how many logins the client has made (for health pages and
// tests).
func (c *Client) Logins() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logins
}

// Login logs in now and caches the token (a health check).
func (c *Client) Login(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = ""
	_, err := c.tokenLocked(ctx)
	return err
}

// Post sends body (marshalled to JSON) to base+path with the bearer token.
// On 401 it logs in again once and resends the same body. Errors are
// *LoginError, *AuthError or *SendError; any HTTP answer otherwise is a
// Response, whatever its status.
func (c *Client) Post(ctx context.Context, path string, body any) (*Response, error) {
	return c.PostBuilt(ctx, path, func() any { return body })
}

// PostBuilt is Post with the body built anew by build for each send, so
// that the resend after a 401 is a new request, as the wallets' specs ask
// of every request: a fresh iv (iPass: "每次請求皆不同"), a new req_id
// where it must be unique, the time of this send.
func (c *Client) PostBuilt(ctx context.Context, path string, build func() any) (*Response, error) {
	encode := func() ([]byte, error) {
		raw, err := json.Marshal(build())
		if err != nil {
			return nil, &SendError{NotSent: true, Err: fmt.Errorf("encoding the request: %w", err)}
		}
		return raw, nil
	}
	raw, err := encode()
	if err != nil {
		return nil, err
	}
	tok, err := c.currentToken(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(ctx, path, raw, tok)
	if err != nil || resp.Status != http.StatusUnauthorized {
		return resp, err
	}
	c.logger.InfoContext(ctx, "gateway token refused, logging in again", "path", path)
	tok, err = c.renewToken(ctx, tok)
	if err != nil {
		// The first request was refused, so nothing moved; the resend never
		// left, so it is not sent either.
		var se *SendError
		if errors.As(err, &se) {
			se.NotSent = true
		}
		return nil, err
	}
	if raw, err = encode(); err != nil {
		return nil, err
	}
	resp, err = c.send(ctx, path, raw, tok)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		return nil, &AuthError{Path: path}
	}
	return resp, nil
}

func (c *Client) currentToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenLocked(ctx)
}

// renewToken drops the refused token, unless another caller already
// replaced it, and returns a fresh one.
func (c *Client) renewToken(ctx context.Context, refused string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == refused {
		c.token = ""
	}
	return c.tokenLocked(ctx)
}

func (c *Client) tokenLocked(ctx context.Context) (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	raw, _ := json.Marshal(struct {
		AuthKey string `json:"authkey"`
		AccKey  string `json:"acckey"`
	}{c.auth, c.acc})
	resp, err := c.send(ctx, LoginPath, raw, "")
	if err != nil {
		// Whatever happened to the login, the request it was for never left.
		var se *SendError
		if errors.As(err, &se) {
			return "", &SendError{NotSent: true, Err: fmt.Errorf("logging in: %w", se.Err)}
		}
		return "", err
	}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		return "", &LoginError{Status: resp.Status, Message: c.scrub(gatewayMessage(resp.Body))}
	}
	if resp.Status != http.StatusOK {
		return "", &SendError{NotSent: true, Err: fmt.Errorf("logging in: HTTP %d", resp.Status)}
	}
	tok, err := ParseLogin(resp.Body)
	if err != nil {
		return "", &SendError{NotSent: true, Err: fmt.Errorf("logging in: %w", err)}
	}
	c.token = tok
	c.lastToken.Store(tok)
	c.logins++
	c.logger.DebugContext(ctx, "gateway login", "base_url", c.base, "logins", c.logins)
	return tok, nil
}

// scrub keeps the keys out of a message that came back from the server
// (a gateway that echoes its input must not leak them into our logs).
func (c *Client) scrub(s string) string {
	return Scrub(s, c.auth, c.acc)
}

// Scrub redacts the keys, the current token and the more secrets given
// from s. Wallets run the gateway's and the wallet's own words through it
// (and mask the payment code with ScrubCode) before they reach an Outcome
// or a log line: a server that echoes its input must not leak it.
func (c *Client) Scrub(s string, more ...string) string {
	tok, _ := c.lastToken.Load().(string) // not c.mu: a login may hold it for a while
	return Scrub(Scrub(s, c.auth, c.acc, tok), more...)
}

// Scrub replaces every occurrence of each non-empty secret in s with
// "[redacted]".
func Scrub(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// send makes one HTTP request. A transport error is a *SendError whose
// NotSent says whether a connection was ever made for it.
func (c *Client) send(ctx context.Context, path string, raw []byte, token string) (*Response, error) {
	var mu sync.Mutex
	connected := false
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
		mu.Lock()
		connected = true
		mu.Unlock()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return nil, &SendError{NotSent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		mu.Lock()
		sent := connected
		mu.Unlock()
		return nil, &SendError{NotSent: !sent, Err: stripURL(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, &SendError{Err: fmt.Errorf("reading the answer to %s (HTTP %d): %w", path, resp.StatusCode, stripURL(err))}
	}
	return &Response{Status: resp.StatusCode, Body: body}, nil
}

// stripURL keeps the error's cause but not the *url.Error wrapper's text,
// which repeats the method and URL on every line of the log.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// ParseLogin reads the token out of a login answer: {"token": "…"}; some
// gateway versions wrap it as {"data": {"token": "…"}}, which is accepted
// too.
func ParseLogin(body []byte) (string, error) {
	var a struct {
		Token string `json:"token"`
		Data  struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return "", fmt.Errorf("the login answer is not JSON with a token: %w", err)
	}
	tok := a.Token
	if tok == "" {
		tok = a.Data.Token
	}
	if tok == "" {
		return "", errors.New("the login answer has no token")
	}
	if strings.ContainsAny(tok, " \r\n\t") {
		return "", errors.New("the login answer's token contains white space")
	}
	return tok, nil
}

// gatewayMessage picks the gateway's own error text out of an answer
// ({"message": "…"}), if it has one.
func gatewayMessage(body []byte) string {
	var a struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &a) != nil {
		return ""
	}
	return cutUTF8(a.Message, 200)
}

// cutUTF8 keeps at most n bytes of s, cut on a character boundary so that
// a Chinese message stays readable in logs and errors.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
