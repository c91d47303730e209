package posclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/edge/posapi"
	"github.com/scanpay/scanpay/edge/report"
	"github.com/scanpay/scanpay/scanner"
)

// Client calls one scanpay.
type Client struct {
	Base  string // "http://127.0.0.1:8727"
	Token string
	HTTP  *http.Client
}

// New makes a client for a listen address ("127.0.0.1:8727").
func New(addr, token string) *Client {
	return &Client{Base: "http://" + addr, Token: token, HTTP: &http.Client{}}
}

// APIError is an error answer of the API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("scanpay answered %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrUnreachable is wrapped when no scanpay answers at the address.
var ErrUnreachable = errors.New("scanpay is not reachable")

// Sandbox is set from the last answer's Scanpay-Mode header.
type Answer struct {
	Status  int
	Sandbox bool
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) (Answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("%w at %s (%v): is `scanpay run` running, and is the address right?", ErrUnreachable, c.Base, err)
	}
	defer resp.Body.Close()
	a := Answer{Status: resp.StatusCode, Sandbox: strings.EqualFold(resp.Header.Get("Scanpay-Mode"), "SANDBOX")}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return a, fmt.Errorf("reading scanpay's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return a, errorOf(resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return a, fmt.Errorf("scanpay's answer is not the JSON expected: %w", err)
		}
	}
	return a, nil
}

// errorOf is the *APIError of an answer with status >= 300.
func errorOf(status int, data []byte) error {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
		return &APIError{Status: status, Code: "http_" + fmt.Sprint(status), Message: strings.TrimSpace(string(data))}
	}
	return &APIError{Status: status, Code: e.Error.Code, Message: e.Error.Message}
}

func waitQuery(wait time.Duration) string {
	if wait <= 0 {
		return ""
	}
	return "?wait=" + wait.String()
}

// CreatePayment is POST /v1/payments[?wait=].
func (c *Client) CreatePayment(ctx context.Context, req edge.CreateRequest, wait time.Duration) (edge.PaymentView, Answer, error) {
	var v edge.PaymentView
	a, err := c.do(ctx, http.MethodPost, "/v1/payments"+waitQuery(wait), req, &v)
	return v, a, err
}

// Payment is GET /v1/payments/{id}[?wait=].
func (c *Client) Payment(ctx context.Context, id string, wait time.Duration) (edge.PaymentView, error) {
	var v edge.PaymentView
	_, err := c.do(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(id)+waitQuery(wait), nil, &v)
	return v, err
}

// WaitFinal polls with ?wait= until the payment is final or ctx/total ends.
func (c *Client) WaitFinal(ctx context.Context, id string, total time.Duration) (edge.PaymentView, error) {
	deadline := time.Now().Add(total)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return c.Payment(ctx, id, 0)
		}
		v, err := c.Payment(ctx, id, min(left, 30*time.Second))
		if err != nil || v.Final {
			return v, err
		}
	}
}

// Search is GET /v1/payments?order_number=&terminal_id=&state=.
func (c *Client) Search(ctx context.Context, orderNumber, terminalID, state string) ([]edge.PaymentView, error) {
	q := url.Values{}
	for k, v := range map[string]string{"order_number": orderNumber, "terminal_id": terminalID, "state": state} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var list posapi.PaymentList
	_, err := c.do(ctx, http.MethodGet, "/v1/payments?"+q.Encode(), nil, &list)
	return list.Payments, err
}

// Cancel is POST /v1/payments/{id}/cancel.
func (c *Client) Cancel(ctx context.Context, id string) (edge.PaymentView, error) {
	var v edge.PaymentView
	_, err := c.do(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/cancel", struct{}{}, &v)
	return v, err
}

// Refund is POST /v1/payments/{id}/refund.
func (c *Client) Refund(ctx context.Context, id string, amount int64) (edge.RefundView, error) {
	var r edge.RefundView
	_, err := c.do(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/refund", posapi.RefundBody{Amount: amount}, &r)
	return r, err
}

// Settle is POST /v1/payments/{id}/settle: an operator records what the
// wallet's merchant portal shows for an unknown payment.
func (c *Client) Settle(ctx context.Context, id string, req edge.SettleRequest) (edge.PaymentView, error) {
	var v edge.PaymentView
	_, err := c.do(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/settle", posapi.SettleBody(req), &v)
	return v, err
}

// SettleRefund is POST /v1/refunds/{id}/settle, the same for an unknown
// refund.
func (c *Client) SettleRefund(ctx context.Context, id string, req edge.SettleRequest) (edge.RefundView, error) {
	var r edge.RefundView
	_, err := c.do(ctx, http.MethodPost, "/v1/refunds/"+url.PathEscape(id)+"/settle", posapi.SettleBody(req), &r)
	return r, err
}

// Scan is POST /v1/scans.
func (c *Client) Scan(ctx context.Context, terminalID, code string) (edge.ScanResult, error) {
	var r edge.ScanResult
	_, err := c.do(ctx, http.MethodPost, "/v1/scans", posapi.ScanBody{TerminalID: terminalID, Code: code}, &r)
	return r, err
}

// Health is GET /healthz. Its 503 {"ok": false} is scanpay answering that
// it is not healthy, not an error: it comes back as a Liveness with OK
// false. Any other failure (a proxy's 503 page included) is an error.
func (c *Client) Health(ctx context.Context) (posapi.Liveness, error) {
	var l posapi.Liveness
	_, err := c.do(ctx, http.MethodGet, "/healthz", nil, &l)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable {
		var v struct {
			OK      *bool `json:"ok"`
			Sandbox bool  `json:"sandbox"`
		}
		if json.Unmarshal([]byte(ae.Message), &v) == nil && v.OK != nil && !*v.OK {
			return posapi.Liveness{OK: false, Sandbox: v.Sandbox}, nil
		}
	}
	return l, err
}

// Status is GET /v1/status: the engine's full report (what needs a person
// is in Problems) and the scanners.
func (c *Client) Status(ctx context.Context) (posapi.Status, error) {
	var st posapi.Status
	_, err := c.do(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Devices is GET /v1/devices.
func (c *Client) Devices(ctx context.Context) ([]scanner.DeviceStatus, error) {
	var list posapi.DeviceList
	_, err := c.do(ctx, http.MethodGet, "/v1/devices", nil, &list)
	return list.Devices, err
}

// DailyReport is GET /v1/reports/daily ("" = today's business day).
func (c *Client) DailyReport(ctx context.Context, date string) (report.Daily, error) {
	var d report.Daily
	path := "/v1/reports/daily"
	if date != "" {
		path += "?" + url.Values{"date": {date}}.Encode()
	}
	_, err := c.do(ctx, http.MethodGet, path, nil, &d)
	return d, err
}

// PaymentRows is GET /v1/reports/payments as JSON.
func (c *Client) PaymentRows(ctx context.Context, from, to string) (report.Export, error) {
	var ex report.Export
	_, err := c.do(ctx, http.MethodGet, "/v1/reports/payments?"+url.Values{"from": {from}, "to": {to}}.Encode(), nil, &ex)
	return ex, err
}

// PaymentsCSV streams GET /v1/reports/payments?format=csv into w, however
// long the range.
func (c *Client) PaymentsCSV(ctx context.Context, from, to string, w io.Writer) error {
	path := "/v1/reports/payments?" + url.Values{"from": {from}, "to": {to}, "format": {"csv"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s (%v): is `scanpay run` running, and is the address right?", ErrUnreachable, c.Base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return errorOf(resp.StatusCode, data)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading the CSV export: %w", err)
	}
	return nil
}

// PageLink is POST /v1/page/link: a one-time login link to the status
// page, for operator.
func (c *Client) PageLink(ctx context.Context, operator string) (posapi.PageLink, error) {
	var l posapi.PageLink
	_, err := c.do(ctx, http.MethodPost, "/v1/page/link", posapi.PageLinkBody{Operator: operator}, &l)
	return l, err
}
