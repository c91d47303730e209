package posapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

type route struct {
	pattern string
	handler http.Handler
}

// routes is the API; the OpenAPI document must list exactly these.
func (s *Server) routes() []route {
	return []route{
		{"POST /v1/payments", http.HandlerFunc(s.createPayment)},
		{"GET /v1/payments", http.HandlerFunc(s.searchPayments)},
		{"GET /v1/payments/{id}", http.HandlerFunc(s.getPayment)},
		{"POST /v1/payments/{id}/cancel", http.HandlerFunc(s.cancelPayment)},
		{"POST /v1/payments/{id}/refund", http.HandlerFunc(s.refundPayment)},
		{"POST /v1/payments/{id}/settle", http.HandlerFunc(s.settlePayment)},
		{"POST /v1/refunds/{id}/settle", http.HandlerFunc(s.settleRefund)},
		{"POST /v1/scans", http.HandlerFunc(s.postScan)},
		{"GET /v1/events", http.HandlerFunc(s.events)},
		{"GET /v1/devices", http.HandlerFunc(s.devices)},
		{"GET /v1/status", http.HandlerFunc(s.status)},
		{"GET /v1/reports/daily", http.HandlerFunc(s.dailyReport)},
		{"GET /v1/reports/payments", http.HandlerFunc(s.paymentRows)},
		{"POST /v1/page/link", http.HandlerFunc(s.pageLink)},
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		{"GET /metrics", s.metrics.handler()},
		{"GET /openapi.json", http.HandlerFunc(serveOpenAPI)},
	}
}

// PaymentList answers a search.
type PaymentList struct {
	Payments []edge.PaymentView `json:"payments"`
}

// RefundBody is POST /v1/payments/{id}/refund.
type RefundBody struct {
	Amount int64 `json:"amount"`
}

// SettleBody is POST /v1/payments/{id}/settle and POST
// /v1/refunds/{id}/settle: what an operator found in the wallet's merchant
// portal. Outcome is "approved" | "declined" for an unknown payment,
// "reversed" for a payment stuck reversing, "succeeded" | "failed" for a
// refund; transaction_id is required for approved and succeeded, optional
// for reversed; note (who checked what) always.
type SettleBody struct {
	Outcome       string `json:"outcome"`
	TransactionID string `json:"transaction_id,omitempty"`
	Note          string `json:"note"`
}

// ScanBody is POST /v1/scans.
type ScanBody struct {
	TerminalID string `json:"terminal_id"`
	Code       string `json:"code"`
}

// DeviceList answers GET /v1/devices.
type DeviceList struct {
	Devices []scanner.DeviceStatus `json:"devices"`
}

// Liveness answers GET /healthz: whether the engine is fine, nothing more.
type Liveness struct {
	OK      bool `json:"ok"`
	Sandbox bool `json:"sandbox,omitempty"`
}

// Status answers GET /v1/status: the engine's whole report (what needs a
// person, in Problems) and the scanners, behind the token because problem
// texts name payments, orders and wallets. It is always 200: whether
// scanpay is alive is GET /healthz's answer.
type Status struct {
	OK       bool                   `json:"ok"`
	Sandbox  bool                   `json:"sandbox"`
	Pending  map[string]int         `json:"pending"`  // non-final payments by state
	Hooks    map[string]string      `json:"hooks"`    // hook name → "ok" or its last error
	Problems []string               `json:"problems"` // each names what is wrong and what to do; empty when nothing needs a person
	Devices  []scanner.DeviceStatus `json:"devices"`
}

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) {
	wait, ok := s.waitParam(w, r)
	if !ok {
		return
	}
	var req edge.CreateRequest
	if !decodeBody(w, r, &req, false) {
		return
	}
	view, created, err := s.eng.CreatePayment(r.Context(), req)
	if err != nil {
		s.engineError(w, r, err)
		return
	}
	if wait > 0 && !view.Final {
		if v, err := s.wait(w, r, view.ID, wait); err == nil {
			v.Warnings = view.Warnings // the checkout's, whatever the wait saw
			view = v
		} else {
			s.engineError(w, r, err)
			return
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/payments/"+view.ID)
	}
	writeJSON(w, status, s.view(view))
}

func (s *Server) getPayment(w http.ResponseWriter, r *http.Request) {
	wait, ok := s.waitParam(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var view edge.PaymentView
	var err error
	if wait > 0 {
		view, err = s.wait(w, r, id, wait)
	} else {
		view, err = s.eng.Payment(r.Context(), id)
	}
	s.replyView(w, r, view, err)
}

// wait long-polls the engine, with the connection's deadlines pushed past
// the wait, and ends early (answering the state as it is) when the server
// shuts down.
func (s *Server) wait(w http.ResponseWriter, r *http.Request, id string, d time.Duration) (edge.PaymentView, error) {
	rc := http.NewResponseController(w)
	// Errors mean the writer cannot move deadlines (a test recorder): the
	// server's own timeouts then stay, which is safe.
	_ = rc.SetReadDeadline(time.Now().Add(d + s.t.read))
	_ = rc.SetWriteDeadline(time.Now().Add(d + s.t.write))
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		select {
		case <-s.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	view, err := s.eng.Wait(ctx, id, d)
	if err != nil && ctx.Err() != nil && r.Context().Err() == nil {
		// Cut short by shutdown: answer what is true now.
		return s.eng.Payment(r.Context(), id)
	}
	return view, err
}

func (s *Server) searchPayments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "order_number", "terminal_id", "state", "limit":
		default:
			writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("unknown query parameter %q: search with order_number, terminal_id, state and limit", truncate(k, 40)))
			return
		}
	}
	query := edge.Query{
		OrderNumber: q.Get("order_number"),
		TerminalID:  q.Get("terminal_id"),
		State:       store.State(q.Get("state")),
	}
	if query.State != "" && !query.State.Valid() {
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("state %q is not a payment state: use one of %s", truncate(string(query.State), 40), stateList()))
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, edge.ErrInvalidRequest, "limit must be a whole number from 1 to 1000")
			return
		}
		query.Limit = n
	}
	if query.OrderNumber == "" && query.TerminalID == "" && query.State == "" {
		writeError(w, edge.ErrInvalidRequest, "a search needs at least one of order_number, terminal_id or state: add one to the query")
		return
	}
	views, err := s.eng.Search(r.Context(), query)
	if err != nil {
		s.engineError(w, r, err)
		return
	}
	if views == nil {
		views = []edge.PaymentView{}
	}
	for i := range views {
		views[i] = s.view(views[i])
	}
	writeJSON(w, http.StatusOK, PaymentList{Payments: views})
}

func (s *Server) cancelPayment(w http.ResponseWriter, r *http.Request) {
	var none struct{}
	if !decodeBody(w, r, &none, true) {
		return
	}
	view, err := s.eng.Cancel(r.Context(), r.PathValue("id"))
	s.replyView(w, r, view, err)
}

func (s *Server) refundPayment(w http.ResponseWriter, r *http.Request) {
	var body RefundBody
	if !decodeBody(w, r, &body, false) {
		return
	}
	if body.Amount <= 0 {
		writeError(w, edge.ErrInvalidRequest, "amount must be a positive whole number of NT$: send {\"amount\": <NT$ to give back>}")
		return
	}
	v, err := s.eng.RefundOnce(r.Context(), r.PathValue("id"), body.Amount, r.Header.Get("Idempotency-Key"))
	s.reply(w, r, v, err)
}

// settlePayment and settleRefund are supervisor actions: the engine checks
// the body (outcome, transaction id, note) and that the payment or refund
// is unknown (or, for reversed, that the payment is reversing).
func (s *Server) settlePayment(w http.ResponseWriter, r *http.Request) {
	var body SettleBody
	if !decodeBody(w, r, &body, false) {
		return
	}
	view, err := s.eng.Settle(r.Context(), r.PathValue("id"), edge.SettleRequest(body))
	s.replyView(w, r, view, err)
}

func (s *Server) settleRefund(w http.ResponseWriter, r *http.Request) {
	var body SettleBody
	if !decodeBody(w, r, &body, false) {
		return
	}
	v, err := s.eng.SettleRefund(r.Context(), r.PathValue("id"), edge.SettleRequest(body))
	s.reply(w, r, v, err)
}

func (s *Server) postScan(w http.ResponseWriter, r *http.Request) {
	var body ScanBody
	if !decodeBody(w, r, &body, false) {
		return
	}
	if strings.TrimSpace(body.TerminalID) == "" || body.Code == "" {
		writeError(w, edge.ErrInvalidRequest, "terminal_id and code are both required: send {\"terminal_id\": \"<lane>\", \"code\": \"<scanned code>\"}")
		return
	}
	v, err := s.eng.Scan(r.Context(), scanner.Scan{Device: "pos", Lane: body.TerminalID, Code: body.Code, At: time.Now()})
	s.reply(w, r, v, err)
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request) {
	list := DeviceList{Devices: []scanner.DeviceStatus{}}
	if s.dev != nil {
		if st := s.dev.Status(); st != nil {
			list.Devices = s.deviceList(st)
		}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	h := s.eng.Health()
	st := Status{
		OK: h.OK, Sandbox: s.sandbox || h.Sandbox,
		Pending: h.Pending, Hooks: map[string]string{}, Problems: s.texts(h.Problems),
		Devices: []scanner.DeviceStatus{},
	}
	// Always arrays and objects, never null, so a script can count them.
	if st.Pending == nil {
		st.Pending = map[string]int{}
	}
	for name, state := range h.Hooks {
		st.Hooks[name] = s.text(state)
	}
	if st.Problems == nil {
		st.Problems = []string{}
	}
	if s.dev != nil {
		if d := s.dev.Status(); d != nil {
			st.Devices = s.deviceList(d)
		}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := s.eng.Health()
	status := http.StatusOK
	if !h.OK {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, Liveness{OK: h.OK, Sandbox: s.sandbox || h.Sandbox})
}

// reply writes the engine's answer as 200 JSON, or its error with the
// error's stable code: the tail every engine-backed handler shares.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.engineError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// replyView is reply for a payment view, marked SANDBOX where it applies.
func (s *Server) replyView(w http.ResponseWriter, r *http.Request, v edge.PaymentView, err error) {
	s.reply(w, r, s.view(v), err)
}

// waitParam reads ?wait= ("30s", or whole seconds "30"), capped by
// api.max_wait.
func (s *Server) waitParam(w http.ResponseWriter, r *http.Request) (time.Duration, bool) {
	raw := r.URL.Query().Get("wait")
	if raw == "" {
		return 0, true
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		n, nerr := strconv.Atoi(raw)
		if nerr != nil {
			writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("wait=%q is not a duration: write it like wait=30s", truncate(raw, 20)))
			return 0, false
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		writeError(w, edge.ErrInvalidRequest, "wait must not be negative: write it like wait=30s")
		return 0, false
	}
	return min(d, s.cfg.MaxWait), true
}

// engineError answers an engine error with its stable code. The message is
// the engine's own (meant for the POS); the cause goes only to the log.
func (s *Server) engineError(w http.ResponseWriter, r *http.Request, err error) {
	var e *edge.Error
	if errors.As(err, &e) {
		if _, known := statusOf[e.Code]; known && e.Code != ErrInternal {
			writeError(w, e.Code, s.text(e.Message))
			return
		}
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the POS went away; nobody to answer
	}
	s.log.Error("POS API: engine failed", "route", r.Pattern, "err", err, "request_id", w.Header().Get(headerRequestID))
	writeError(w, ErrInternal, "scanpay failed to answer: see its log for request "+w.Header().Get(headerRequestID)+"; the payment's state is safe in the journal, ask again with GET /v1/payments/{id}")
}

// decodeBody decodes a JSON body strictly: a body that is not one JSON
// object, unknown fields, a field given twice or in the wrong case,
// trailing data, wrong types, an oversized body and one that stops
// arriving are refused, all as invalid_request (too_large for size). With
// emptyOK an empty body is accepted (cancel).
func decodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	body, err := io.ReadAll(r.Body)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("the request body stopped arriving: the POS API reads a whole request within %s (its read timeout); send the body in full right after the headers", readTimeout(r)))
		return false
	}
	if err == nil {
		err = checkObject(body)
	}
	if err == nil && json.Valid(body) {
		err = checkNames(body, reflect.TypeOf(v))
	}
	if err == nil {
		err = decodeStrict(body, v)
	}
	if err == nil || (emptyOK && err == io.EOF) {
		return true
	}
	var nameErr *nameError
	if errors.As(err, &nameErr) {
		writeError(w, edge.ErrInvalidRequest, nameErr.msg)
		return false
	}
	var mbe *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		writeError(w, ErrTooLarge, fmt.Sprintf("the request body is larger than api.max_body (%d bytes): send a smaller request (fewer items) or raise api.max_body", mbe.Limit))
	case err == io.EOF:
		writeError(w, edge.ErrInvalidRequest, "the request body is empty: send a JSON object (see GET /openapi.json)")
	case err == errTrailing:
		writeError(w, edge.ErrInvalidRequest, "the request body has data after its JSON object: send exactly one JSON object")
	case errors.As(err, &typeErr) && typeErr.Field == "":
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("the body must be a JSON object, not %s: send {\"field\": value, …} (see GET /openapi.json)", typeErr.Value))
	case errors.As(err, &typeErr):
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind()), typeErr.Value))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, edge.ErrInvalidRequest, "the request body is not valid JSON: send a JSON object with Content-Type: application/json")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("%s: remove it (field names are in GET /openapi.json)", strings.TrimPrefix(err.Error(), "json: ")))
	default:
		writeError(w, edge.ErrInvalidRequest, "the request body is not the expected JSON object: see GET /openapi.json")
	}
	return false
}

// decodeStrict decodes exactly one JSON value with no unknown fields.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.Decode(&json.RawMessage{}) != io.EOF {
		return errTrailing
	}
	return nil
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "true or false"
	}
	return "an object"
}

var errTrailing = errors.New("trailing data")

func stateList() string {
	var b strings.Builder
	for i, st := range store.States {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(st))
	}
	return b.String()
}
