package logging

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// journalSend is journal.Send's shape: go-systemd writes the native
// protocol to journald's socket.
type journalSend func(message string, priority journal.Priority, vars map[string]string) error

// journalHandler writes each record to journald as one entry of
// structured fields: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=scanpay and a
// SCANPAY_<KEY> field per attribute (groups joined by "_"), so that
// `journalctl -u scanpay SCANPAY_PAYMENT_ID=…` finds a payment's lines.
type journalHandler struct {
	level  slog.Leveler
	prefix string            // the open groups, "SCANPAY_HOOK_"
	fields map[string]string // from WithAttrs
	send   journalSend
}

func newJournalHandler(level slog.Leveler, send journalSend) *journalHandler {
	return &journalHandler{level: level, prefix: "SCANPAY_", fields: map[string]string{}, send: send}
}

// Enabled implements slog.Handler.
func (h *journalHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

// Handle implements slog.Handler.
func (h *journalHandler) Handle(_ context.Context, r slog.Record) error {
	vars := make(map[string]string, len(h.fields)+r.NumAttrs()+1)
	for k, v := range h.fields {
		vars[k] = v
	}
	vars["SYSLOG_IDENTIFIER"] = "scanpay"
	r.Attrs(func(a slog.Attr) bool {
		addField(vars, h.prefix, a)
		return true
	})
	return h.send(r.Message, priority(r.Level), vars)
}

// WithAttrs implements slog.Handler.
func (h *journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.fields = make(map[string]string, len(h.fields)+len(as))
	for k, v := range h.fields {
		n.fields[k] = v
	}
	for _, a := range as {
		addField(n.fields, h.prefix, a)
	}
	return &n
}

// WithGroup implements slog.Handler.
func (h *journalHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.prefix = h.prefix + fieldName(name) + "_"
	return &n
}

func addField(vars map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if a.Key == "" && v.Kind() != slog.KindGroup {
		return
	}
	switch v.Kind() {
	case slog.KindGroup:
		p := prefix
		if a.Key != "" {
			p += fieldName(a.Key) + "_"
		}
		for _, ga := range v.Group() {
			addField(vars, p, ga)
		}
	case slog.KindTime:
		vars[prefix+fieldName(a.Key)] = v.Time().Format(time.RFC3339Nano)
	default:
		vars[prefix+fieldName(a.Key)] = v.String()
	}
}

// fieldName is key as journald accepts a field name: upper-case letters,
// digits and "_".
func fieldName(key string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, key)
}

// priority maps slog's levels onto syslog's, which journald uses.
func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	}
	return journal.PriDebug
}
