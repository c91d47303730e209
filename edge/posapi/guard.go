package posapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/scanpay/scanpay/edge"
)

// tokenCheck holds the token's digest: comparing digests in constant time
// leaks neither the token's bytes nor its length.
type tokenCheck [sha256.Size]byte

func newTokenCheck(token string) tokenCheck { return sha256.Sum256([]byte(token)) }

func (t tokenCheck) matches(got string) bool {
	h := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(h[:], t[:]) == 1
}

// unauthenticated routes: liveness only, which says nothing sensitive.
var unauthenticated = map[string]bool{"GET /healthz": true}

// guard is what every request passes before a route sees it, in this
// order: Host (DNS rebinding), Origin (drive-by browsers), the token, the
// body limit. It also stamps the request id and the SANDBOX header, counts
// and logs the request, and turns the mux's plain-text 404/405 into the
// API's JSON errors.
func (s *Server) guard(next *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := uuid.NewString()
		w.Header().Set(headerRequestID, rid)
		if s.sandbox {
			w.Header().Set(headerMode, "SANDBOX")
		}
		_, pattern := next.Handler(r)
		route := pattern
		if route == "" {
			route = "unmatched"
		}
		rec := &statusWriter{ResponseWriter: w}
		s.serveGuarded(rec, r, next, pattern)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		method, path := metricRoute(pattern, r.Method)
		s.metrics.requests.WithLabelValues(method, path, strconv.Itoa(status)).Inc()
		level := slog.LevelInfo
		if r.Method == http.MethodGet && status < 400 {
			level = slog.LevelDebug // a POS polls: keep the log for what changes things
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", status), slog.Duration("took", time.Since(start)),
			slog.String("request_id", rid),
		}
		if p, ok := peerFrom(r.Context()); ok {
			attrs = append(attrs, slog.String("peer", p.String()))
		}
		if kind := refusedKind(status); kind != "" && !s.refused.note(kind) {
			return // counted in the interval's summary line
		}
		s.log.LogAttrs(r.Context(), level, "POS API request", attrs...)
	})
}

func (s *Server) serveGuarded(w http.ResponseWriter, r *http.Request, next *http.ServeMux, pattern string) {
	if r.RequestURI != "" && !strings.HasPrefix(r.RequestURI, "/") {
		// Absolute form is for proxies, and Go drops the Host header
		// beside it, so there is nothing left to check it against.
		writeError(w, ErrBadHost, fmt.Sprintf("the request line names a full URL (%s): scanpay is not a proxy; send the path only, as in GET /v1/status", truncate(r.RequestURI, 64)))
		return
	}
	if !s.hostAllowed(r.Host) {
		writeError(w, ErrBadHost, fmt.Sprintf("Host %q is not this PC: call the API as http://127.0.0.1:<port> or http://localhost:<port>, or add the name to api.allowed_hosts", truncate(r.Host, 64)))
		return
	}
	page := s.pageAt[pattern]
	if origin := r.Header.Get("Origin"); origin != "" && !(page && sameOrigin(origin, r.Host)) {
		if origin == "null" {
			writeError(w, ErrForbiddenOrigin, "browser origin \"null\" may not call the POS API: "+nullOriginFix+" in api.allowed_origins")
			return
		}
		if !s.originAllowed(origin) {
			writeError(w, ErrForbiddenOrigin, fmt.Sprintf("browser origin %q may not call the POS API: add it to api.allowed_origins in the scanpay config if it is your POS", truncate(origin, 100)))
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Expose-Headers", headerMode+", "+headerRequestID)
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Access-Control-Expose-Headers", headerMode+", "+headerRequestID)
	}
	if !unauthenticated[pattern] && !page {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scanpay"`)
			writeError(w, ErrUnauthorized, "no API token: send the header \"Authorization: Bearer <token>\" with the token from the file named by api.token_file")
			return
		}
		scheme, tok, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") || !s.token.matches(strings.TrimSpace(tok)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scanpay", error="invalid_token"`)
			writeError(w, ErrUnauthorized, "wrong API token: copy the token again from the file named by api.token_file (it changes only if that file is deleted)")
			return
		}
	}
	if r.ContentLength > s.cfg.MaxBody {
		writeError(w, ErrTooLarge, fmt.Sprintf("the request body has %d bytes, more than api.max_body (%d): send a smaller request (fewer items) or raise api.max_body", r.ContentLength, s.cfg.MaxBody))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	r = r.WithContext(context.WithValue(r.Context(), readTimeoutKey{}, s.t.read))
	if pattern == "" {
		// The mux would answer in plain text; keep its status and Allow.
		probe := &probeWriter{h: http.Header{}}
		next.ServeHTTP(probe, r)
		if allow := probe.h.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if probe.status == http.StatusMethodNotAllowed {
			writeError(w, ErrMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s: use %s (see GET /openapi.json)", r.Method, r.URL.Path, probe.h.Get("Allow")))
			return
		}
		writeError(w, edge.ErrNotFound, fmt.Sprintf("no API route %s %s: see GET /openapi.json for the routes", r.Method, truncate(r.URL.Path, 100)))
		return
	}
	next.ServeHTTP(w, r)
}

// hostAllowed: "localhost", a loopback IP or a name in api.allowed_hosts.
func (s *Server) hostAllowed(host string) bool {
	if host == "" {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if isLoopbackHost(host) {
		return true
	}
	host = strings.TrimSuffix(host, ".")
	for _, h := range s.cfg.AllowedHosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// sameOrigin: the status page's own requests (its script, its forms) come
// from the address they are served on; the Host is checked before.
func sameOrigin(origin, host string) bool {
	return host != "" && strings.EqualFold(origin, "http://"+host)
}

func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.cfg.AllowedOrigins {
		if strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// statusWriter remembers the status for the log and the metrics. Unwrap
// lets http.ResponseController reach the connection (flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// probeWriter catches the mux's own 404/405 answer.
type probeWriter struct {
	h      http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.h }
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }

// readTimeoutKey carries the server's read timeout to decodeBody, so a
// body that stops arriving is refused with the limit named.
type readTimeoutKey struct{}

func readTimeout(r *http.Request) time.Duration {
	d, _ := r.Context().Value(readTimeoutKey{}).(time.Duration)
	return d
}
