package posclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/store"
)

const token = "tok-0123456789"

// seen is one request as the test server received it.
type seen struct {
	method, path, query, auth, contentType, body string
}

// canned is one answer the test server gives.
type canned struct {
	status  int
	mode    string // Scanpay-Mode header
	ctype   string
	body    string
	dropped bool // close the connection without an answer
}

// apiServer is a real HTTP server that records each request and answers
// with the next canned answer.
type apiServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers []canned
	seen    []seen
}

func newAPIServer(t *testing.T, answers ...canned) *apiServer {
	t.Helper()
	s := &apiServer{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.seen = append(s.seen, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(b)})
		a := canned{status: 599, body: "no canned answer left"}
		if len(s.answers) > 0 {
			a, s.answers = s.answers[0], s.answers[1:]
		}
		s.mu.Unlock()
		if a.dropped {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if a.mode != "" {
			w.Header().Set("Scanpay-Mode", a.mode)
		}
		if a.ctype == "" {
			a.ctype = "application/json"
		}
		w.Header().Set("Content-Type", a.ctype)
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) client() *Client {
	return &Client{Base: s.URL, Token: token, HTTP: s.Client()}
}

func (s *apiServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.seen...)
}

const approvedView = `{"id":"pay-1","terminal_id":"L1","order_number":"42","amount":100,"undiscountable_amount":0,"state":"approved","final":true,"attempts":1,"created_at":"2026-11-21T12:00:00Z","updated_at":"2026-11-21T12:00:01Z","history":[{"state":"approved","at":"2026-11-21T12:00:01Z","reason":"wallet approved"}],"answer":{"transaction_id":"TX9"},"refunded_amount":0}`

// TestClientAnswers drives each call against a real HTTP server: what the
// client sends (method, path, query, token, body) and how it reads every
// kind of answer (the view, the API's JSON error, a proxy's HTML error,
// garbage with a 200, the SANDBOX header, a dropped connection).
func TestClientAnswers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		answers []canned
		call    func(c *Client) (any, Answer, error)
		want    any    // the decoded result, when no error
		sent    []seen // what the server must have received (auth is checked on all)
		wantErr func(error) string
		answer  Answer
	}{
		{
			name:    "create payment waits and reads the view and SANDBOX",
			answers: []canned{{status: 201, mode: "SANDBOX", body: approvedView}},
			call: func(c *Client) (any, Answer, error) {
				v, a, err := c.CreatePayment(ctx, edge.CreateRequest{TerminalID: "L1", OrderNumber: "42", Amount: 100}, 30*time.Second)
				return v.ID + " " + string(v.State) + " " + v.Answer.TransactionID, a, err
			},
			want:   "pay-1 approved TX9",
			sent:   []seen{{method: "POST", path: "/v1/payments", query: "wait=30s", contentType: "application/json", body: `{"terminal_id":"L1","order_number":"42","amount":100,"undiscountable_amount":0,"description":"","items":null}`}},
			answer: Answer{Status: 201, Sandbox: true},
		},
		{
			name:    "the API's JSON error becomes an APIError with its code",
			answers: []canned{{status: 409, body: `{"error":{"code":"conflict","message":"order 42 already has payment pay-1","request_id":"r1"}}`}},
			call: func(c *Client) (any, Answer, error) {
				v, a, err := c.CreatePayment(ctx, edge.CreateRequest{TerminalID: "L1", OrderNumber: "42", Amount: 7}, 0)
				return v, a, err
			},
			sent: []seen{{method: "POST", path: "/v1/payments", contentType: "application/json", body: `{"terminal_id":"L1","order_number":"42","amount":7,"undiscountable_amount":0,"description":"","items":null}`}},
			wantErr: func(err error) string {
				var ae *APIError
				if !errors.As(err, &ae) || *ae != (APIError{Status: 409, Code: "conflict", Message: "order 42 already has payment pay-1"}) {
					return fmt.Sprintf("want APIError 409 conflict, got %#v", err)
				}
				return ""
			},
			answer: Answer{Status: 409},
		},
		{
			name:    "a proxy's HTML error is kept as http_<status> with its text",
			answers: []canned{{status: 502, mode: "sandbox", ctype: "text/html", body: "  <html>bad gateway</html>\n"}},
			call: func(c *Client) (any, Answer, error) {
				v, err := c.Payment(ctx, "pay-1", 0)
				return v, Answer{}, err
			},
			sent: []seen{{method: "GET", path: "/v1/payments/pay-1"}},
			wantErr: func(err error) string {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != 502 || ae.Code != "http_502" || ae.Message != "<html>bad gateway</html>" {
					return fmt.Sprintf("want APIError 502 http_502 with the page's text, got %#v", err)
				}
				return ""
			},
		},
		{
			name:    "an error answer without a code is kept as http_<status>",
			answers: []canned{{status: 404, body: `{"error":{"message":"no"}}`}},
			call: func(c *Client) (any, Answer, error) {
				v, err := c.Cancel(ctx, "a/b c")
				return v, Answer{}, err
			},
			sent: []seen{{method: "POST", path: "/v1/payments/a%2Fb%20c/cancel", contentType: "application/json", body: `{}`}},
			wantErr: func(err error) string {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != "http_404" {
					return fmt.Sprintf("want http_404, got %#v", err)
				}
				return ""
			},
		},
		{
			name:    "a 200 with garbage is an error, not an empty view",
			answers: []canned{{status: 200, body: `{"id":`}},
			call: func(c *Client) (any, Answer, error) {
				v, err := c.Payment(ctx, "pay-1", 5*time.Second)
				return v, Answer{}, err
			},
			sent: []seen{{method: "GET", path: "/v1/payments/pay-1", query: "wait=5s"}},
			wantErr: func(err error) string {
				var ae *APIError
				if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "not the JSON expected") {
					return fmt.Sprintf("want a decode error, got %v", err)
				}
				return ""
			},
		},
		{
			name:    "search sends only the filters given",
			answers: []canned{{status: 200, body: `{"payments":[` + approvedView + `]}`}},
			call: func(c *Client) (any, Answer, error) {
				l, err := c.Search(ctx, "42", "", "approved")
				var ids []string
				for _, v := range l {
					ids = append(ids, v.ID)
				}
				return ids, Answer{}, err
			},
			want: []string{"pay-1"},
			sent: []seen{{method: "GET", path: "/v1/payments", query: "order_number=42&state=approved"}},
		},
		{
			name:    "scan sends the lane and code and reads the result",
			answers: []canned{{status: 200, body: `{"kind":"payment","class":"jkopay","payment_id":"pay-1","masked":"22J1…1111"}`}},
			call: func(c *Client) (any, Answer, error) {
				r, err := c.Scan(ctx, "L1", "22J1SECRETSECR1111")
				return r.Kind + " " + r.PaymentID, Answer{}, err
			},
			want: "payment pay-1",
			sent: []seen{{method: "POST", path: "/v1/scans", contentType: "application/json", body: `{"terminal_id":"L1","code":"22J1SECRETSECR1111"}`}},
		},
		{
			name:    "wait final polls until the payment is final",
			answers: []canned{{status: 200, body: `{"id":"pay-1","state":"in_flight","final":false}`}, {status: 200, body: approvedView}},
			call: func(c *Client) (any, Answer, error) {
				v, err := c.WaitFinal(ctx, "pay-1", time.Minute)
				return string(v.State), Answer{}, err
			},
			want: string(store.Approved),
			sent: []seen{{method: "GET", path: "/v1/payments/pay-1", query: "wait=30s"}, {method: "GET", path: "/v1/payments/pay-1", query: "wait=30s"}},
		},
		{
			name:    "health reads liveness",
			answers: []canned{{status: 200, body: `{"ok":true,"sandbox":true}`}},
			call: func(c *Client) (any, Answer, error) {
				l, err := c.Health(ctx)
				return l, Answer{}, err
			},
			want: posapi.Liveness{OK: true, Sandbox: true},
			sent: []seen{{method: "GET", path: "/healthz"}},
		},
		{
			name:    "health's 503 ok=false is an answer, not an error",
			answers: []canned{{status: 503, body: `{"ok":false,"sandbox":true}`}},
			call: func(c *Client) (any, Answer, error) {
				l, err := c.Health(ctx)
				return l, Answer{}, err
			},
			want: posapi.Liveness{OK: false, Sandbox: true},
			sent: []seen{{method: "GET", path: "/healthz"}},
		},
		{
			name:    "a proxy's 503 page is an error",
			answers: []canned{{status: 503, ctype: "text/html", body: `<html>Service Unavailable</html>`}},
			call: func(c *Client) (any, Answer, error) {
				l, err := c.Health(ctx)
				return l, Answer{}, err
			},
			sent: []seen{{method: "GET", path: "/healthz"}},
			wantErr: func(err error) string {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != 503 {
					return fmt.Sprintf("want APIError 503, got %v", err)
				}
				return ""
			},
		},
		{
			name: "status reads the engine's report",
			answers: []canned{{status: 200, body: `{"ok":false,"sandbox":false,"pending":{"unknown":1},"hooks":{"file":"ok"},` +
				`"problems":["payment pay-1 needs a person"],"devices":[{"device":"ttyACM0","kind":"serial","lane":"L1","connected":true}]}`}},
			call: func(c *Client) (any, Answer, error) {
				st, err := c.Status(ctx)
				return fmt.Sprint(st.OK, st.Pending, st.Hooks, st.Problems, len(st.Devices)), Answer{}, err
			},
			want: "false map[unknown:1] map[file:ok] [payment pay-1 needs a person] 1",
			sent: []seen{{method: "GET", path: "/v1/status"}},
		},
		{
			name:    "status without the right token is the API's 401",
			answers: []canned{{status: 401, body: `{"error":{"code":"unauthorized","message":"wrong API token: copy it again"}}`}},
			call: func(c *Client) (any, Answer, error) {
				st, err := c.Status(ctx)
				return st, Answer{}, err
			},
			sent: []seen{{method: "GET", path: "/v1/status"}},
			wantErr: func(err error) string {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "unauthorized" {
					return fmt.Sprintf("want APIError 401 unauthorized, got %v", err)
				}
				return ""
			},
		},
		{
			name:    "a dropped connection says scanpay is unreachable",
			answers: []canned{{dropped: true}},
			call: func(c *Client) (any, Answer, error) {
				d, err := c.Devices(ctx)
				return d, Answer{}, err
			},
			sent: []seen{{method: "GET", path: "/v1/devices"}},
			wantErr: func(err error) string {
				if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "scanpay run") {
					return fmt.Sprintf("want ErrUnreachable naming the fix, got %v", err)
				}
				return ""
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newAPIServer(t, tc.answers...)
			got, a, err := tc.call(s.client())
			switch {
			case tc.wantErr != nil:
				if msg := tc.wantErr(err); msg != "" {
					t.Fatal(msg)
				}
				if err != nil && strings.Contains(err.Error(), token) {
					t.Errorf("the error shows the token: %v", err)
				}
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			case !reflect.DeepEqual(got, tc.want):
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
			if tc.answer != (Answer{}) && a != tc.answer {
				t.Errorf("answer %+v, want %+v", a, tc.answer)
			}
			reqs := s.requests()
			if len(reqs) != len(tc.sent) {
				t.Fatalf("server saw %d requests, want %d: %+v", len(reqs), len(tc.sent), reqs)
			}
			for i, r := range reqs {
				if r.auth != "Bearer "+token {
					t.Errorf("request %d carried Authorization %q", i, r.auth)
				}
				r.auth = ""
				if r != tc.sent[i] {
					t.Errorf("request %d = %+v\nwant          %+v", i, r, tc.sent[i])
				}
			}
		})
	}
}

// TestClientUnreachable: nobody listening is ErrUnreachable, naming the
// address.
func TestClientUnreachable(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(s.URL, "http://")
	s.Close()
	_, err := New(addr, token).Health(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("got %v, want ErrUnreachable naming %s", err, addr)
	}
}

// fuzzStatuses are the statuses FuzzAnswer answers with, by index.
var fuzzStatuses = []int{200, 201, 202, 204, 400, 401, 404, 409, 413, 422, 500, 502, 503}

// FuzzAnswer feeds arbitrary answers, over a real HTTP server, to the
// client's reading of them: never a panic; an error status is always an
// APIError with that status and the API's code when the body carries one
// (else http_<status>); a success is the view the body decodes to, or an
// error when it does not decode.
func FuzzAnswer(f *testing.F) {
	f.Add(1, approvedView, true)
	f.Add(7, `{"error":{"code":"conflict","message":"m"}}`, false)
	f.Add(11, `<html>bad gateway</html>`, false)
	f.Add(0, `{"id":`, false)
	f.Add(3, ``, false)
	f.Add(4, `{"error":{"code":7}}`, false)
	var mu sync.Mutex
	var next canned
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		a := next
		mu.Unlock()
		if a.mode != "" {
			w.Header().Set("Scanpay-Mode", a.mode)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	defer srv.Close()
	c := &Client{Base: srv.URL, Token: token, HTTP: srv.Client()}
	f.Fuzz(func(t *testing.T, status int, body string, sandbox bool) {
		st := fuzzStatuses[((status%len(fuzzStatuses))+len(fuzzStatuses))%len(fuzzStatuses)]
		a := canned{status: st, body: body}
		if sandbox {
			a.mode = "Sandbox"
		}
		mu.Lock()
		next = a
		mu.Unlock()
		v, ans, err := c.CreatePayment(context.Background(), edge.CreateRequest{TerminalID: "L1", OrderNumber: "1", Amount: 1}, 0)
		if errors.Is(err, ErrUnreachable) {
			t.Fatalf("status %d %q: the server answered, but the client says unreachable: %v", st, body, err)
		}
		if ans.Status != st || ans.Sandbox != sandbox {
			t.Fatalf("status %d sandbox %v read as %+v", st, sandbox, ans)
		}
		if st == 204 {
			body = "" // a 204 carries no body
		}
		if st >= 300 {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != st {
				t.Fatalf("status %d %q: got %v, want an APIError with the status", st, body, err)
			}
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal([]byte(body), &e) == nil && e.Error.Code != "" {
				if ae.Code != e.Error.Code || ae.Message != e.Error.Message {
					t.Fatalf("status %d %q: read as %+v", st, body, ae)
				}
			} else if ae.Code != fmt.Sprintf("http_%d", st) || ae.Message != strings.TrimSpace(body) {
				t.Fatalf("status %d %q: read as %+v, want http_%d with the body", st, body, ae, st)
			}
			return
		}
		var want edge.PaymentView
		if json.Unmarshal([]byte(body), &want) != nil {
			if err == nil {
				t.Fatalf("status %d %q: undecodable answer taken as %+v", st, body, v)
			}
			return
		}
		if err != nil || !reflect.DeepEqual(v, want) {
			t.Fatalf("status %d %q: read as %+v, %v; want %+v", st, body, v, err, want)
		}
	})
}
