package logging

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/scanpay/scanpay/internal/mask"
)

// codeLike matches a run of 16 or more letters and digits: every wallet's
// payment code (JKOPay 18, EasyWallet 20, iPass 22) and most secrets (hex
// tokens, keys) look like that, while masked codes ("22J1…1111"), UUIDs and
// ordinary words do not.
var codeLike = regexp.MustCompile(`[A-Za-z0-9]{16,}`)

// secretKey matches attribute keys whose value is a secret whatever it
// looks like. Keys naming where a secret comes from (_file, _env) are not.
var secretKey = regexp.MustCompile(`(?i)(^|[_.-])(key|secret|token|password|passwd|authkey|acckey|auth_key|acc_key|merchant_key)$`)

// Secrets is a set of exact strings (the API token, wallet keys) that the
// masking handler replaces wherever they appear. Safe for concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	list   []string
	isCode func(string) bool
}

// SetCodeMatcher narrows the masking of 16–31 character runs to those
// isCode says are payment codes (the daemon passes its classifier), so that
// wallets' transaction ids and trade numbers stay readable in the log.
// Runs of 32 or more (keys, tokens) are masked whatever it says. Without a
// matcher every run of 16 or more is masked.
func (s *Secrets) SetCodeMatcher(isCode func(string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.isCode = isCode
}

func (s *Secrets) shouldMask(run string) bool {
	if s == nil || len(run) >= 32 {
		return true
	}
	s.mu.RLock()
	isCode := s.isCode
	s.mu.RUnlock()
	return isCode == nil || isCode(run)
}

// Add registers secrets; strings shorter than 4 characters are ignored so
// that an empty or trivial value cannot blank out ordinary text.
func (s *Secrets) Add(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if len(v) >= 4 {
			s.list = append(s.list, v)
		}
	}
}

func (s *Secrets) scrub(v string) string {
	if s == nil {
		return v
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, sec := range s.list {
		if strings.Contains(v, sec) {
			v = strings.ReplaceAll(v, sec, "[redacted]")
		}
	}
	return v
}

// Scrub masks everything in v that looks like a payment code and replaces
// every registered secret.
func (s *Secrets) Scrub(v string) string {
	v = s.scrub(v)
	if !hasLongRun(v) { // the common case, without the regexp
		return v
	}
	return codeLike.ReplaceAllStringFunc(v, func(run string) string {
		if s.shouldMask(run) {
			return mask.Code(run)
		}
		return run
	})
}

// hasLongRun reports whether v holds 16 letters or digits in a row.
func hasLongRun(v string) bool {
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if n++; n >= 16 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// MaskHandler wraps a slog.Handler and scrubs the message and every
// attribute value before the record reaches it.
type MaskHandler struct {
	next    slog.Handler
	secrets *Secrets
}

// NewMaskHandler wraps next. secrets may be nil.
func NewMaskHandler(next slog.Handler, secrets *Secrets) *MaskHandler {
	return &MaskHandler{next: next, secrets: secrets}
}

// Enabled implements slog.Handler.
func (h *MaskHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *MaskHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.secrets.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *MaskHandler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &MaskHandler{next: h.next.WithAttrs(clean), secrets: h.secrets}
}

// WithGroup implements slog.Handler.
func (h *MaskHandler) WithGroup(name string) slog.Handler {
	return &MaskHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

func (h *MaskHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if secretKey.MatchString(a.Key) && !isEmpty(v) {
		return slog.String(a.Key, "[redacted]")
	}
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.secrets.Scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors, Stringers, structs: render them once, then scrub the text,
		// so a code inside an error chain or a struct field is caught too.
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprintf("%+v", x)
		}
		return slog.String(a.Key, h.secrets.Scrub(s))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func isEmpty(v slog.Value) bool {
	return v.Kind() == slog.KindString && v.String() == ""
}
