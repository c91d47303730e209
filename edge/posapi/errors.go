package posapi

import (
	"encoding/json"
	"net/http"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/internal/mask"
)

// Error codes of the API's own refusals, beside the engine's edge.Err*.
const (
	ErrUnauthorized     = "unauthorized"       // 401: no or wrong bearer token
	ErrForbiddenOrigin  = "forbidden_origin"   // 403: a browser Origin not in api.allowed_origins
	ErrBadHost          = "bad_host"           // 421: Host is not a loopback name (DNS rebinding)
	ErrTooLarge         = "too_large"          // 413: body above api.max_body
	ErrMethodNotAllowed = "method_not_allowed" // 405
	ErrInternal         = "internal"           // 500
	ErrTooManyStreams   = "too_many_streams"   // 429: every event-stream place is taken
)

// statusOf maps every stable error code to its one HTTP status.
var statusOf = map[string]int{
	edge.ErrInvalidRequest:   http.StatusBadRequest,
	edge.ErrNotFound:         http.StatusNotFound,
	edge.ErrConflict:         http.StatusConflict,
	edge.ErrUnknownTerminal:  http.StatusUnprocessableEntity,
	edge.ErrUnknownCode:      http.StatusUnprocessableEntity,
	edge.ErrWalletNotEnabled: http.StatusUnprocessableEntity,
	edge.ErrRefundRefused:    http.StatusUnprocessableEntity,
	edge.ErrUnavailable:      http.StatusServiceUnavailable,
	ErrUnauthorized:          http.StatusUnauthorized,
	ErrForbiddenOrigin:       http.StatusForbidden,
	ErrBadHost:               http.StatusMisdirectedRequest,
	ErrTooLarge:              http.StatusRequestEntityTooLarge,
	ErrMethodNotAllowed:      http.StatusMethodNotAllowed,
	ErrInternal:              http.StatusInternalServerError,
	ErrTooManyStreams:        http.StatusTooManyRequests,
}

// StatusOf returns the HTTP status of a stable error code (500 for a code
// it does not know).
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is every error answer: {"error":{"code":"...","message":"..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the stable code and a message a supervisor can act on.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers with code and message. The message is masked here
// (every code-like run) whatever its source, since many echo what the
// request held; the engine's messages are first masked with the
// registered secrets too (Server.text).
func writeError(w http.ResponseWriter, code, message string) {
	body := ErrorBody{Error: ErrorDetail{Code: code, Message: mask.Text(message), RequestID: w.Header().Get(headerRequestID)}}
	writeJSON(w, StatusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"the answer could not be encoded; see the scanpay log"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
