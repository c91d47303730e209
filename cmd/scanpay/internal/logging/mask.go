package logging

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"

	"github.com/scanpay/scanpay/internal/mask"
)

// secretKey matches attribute keys whose value is a secret whatever it
// looks like. Keys naming where a secret comes from (_file, _env) are not.
var secretKey = regexp.MustCompile(`(?i)(^|[_.-])(key|secret|token|password|passwd|authkey|acckey|auth_key|acc_key|merchant_key)$`)

// Secrets is the set of exact strings the masking replaces, shared with
// the POS API so that both mask alike: see mask.Secrets.
type Secrets = mask.Secrets

// MaskHandler wraps a slog.Handler and scrubs the message and every
// attribute value before the record reaches it.
type MaskHandler struct {
	next    slog.Handler
	secrets *Secrets
	keys    *keyVerdicts
}

// NewMaskHandler wraps next. secrets may be nil.
func NewMaskHandler(next slog.Handler, secrets *Secrets) *MaskHandler {
	return &MaskHandler{next: next, secrets: secrets, keys: &keyVerdicts{}}
}

// keyVerdicts remembers secretKey's verdict per attribute key: the keys
// come from the code, so they are few, and the regexp was 3% of scanpay's
// CPU under load. A key beyond maxKeys is matched every time.
type keyVerdicts struct {
	m sync.Map // key → bool
	n atomic.Int64
}

const maxKeys = 1024

func (k *keyVerdicts) secret(key string) bool {
	if v, ok := k.m.Load(key); ok {
		return v.(bool)
	}
	is := secretKey.MatchString(key)
	if k.n.Add(1) <= maxKeys {
		k.m.Store(key, is)
	}
	return is
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
	return &MaskHandler{next: h.next.WithAttrs(clean), secrets: h.secrets, keys: h.keys}
}

// WithGroup implements slog.Handler.
func (h *MaskHandler) WithGroup(name string) slog.Handler {
	return &MaskHandler{next: h.next.WithGroup(name), secrets: h.secrets, keys: h.keys}
}

func (h *MaskHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if h.keys.secret(a.Key) && !isEmpty(v) {
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
