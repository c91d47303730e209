package posapi

import (
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// MaskWith makes the server mask the free text of its answers and events
// with sec, the log's own masking (the daemon registers the token and the
// wallet keys there, and its code matcher), so a hook's stderr or a
// wallet's message reads the same in /v1/status as in the log. Without it
// the server masks with the token alone and every code-like run.
func (s *Server) MaskWith(sec *mask.Secrets) {
	if sec != nil {
		s.secrets.Store(sec)
	}
}

// text masks one outgoing free text.
func (s *Server) text(v string) string {
	return s.secrets.Load().Scrub(v)
}

func (s *Server) texts(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = s.text(v)
	}
	return out
}

// view is a payment view as it leaves: marked SANDBOX where it applies,
// the wallet's messages and the history's reasons masked.
func (s *Server) view(v edge.PaymentView) edge.PaymentView {
	if s.sandbox {
		v.Sandbox = true
	}
	v.Answer.Message = s.text(v.Answer.Message)
	if len(v.History) > 0 {
		h := make([]store.Change, len(v.History))
		for i, c := range v.History {
			c.Reason = s.text(c.Reason)
			h[i] = c
		}
		v.History = h
	}
	if len(v.Refunds) > 0 {
		r := make([]edge.RefundView, len(v.Refunds))
		for i, rf := range v.Refunds {
			rf.Answer.Message = s.text(rf.Answer.Message)
			r[i] = rf
		}
		v.Refunds = r
	}
	return v
}

// deviceList masks the scanners' last errors.
func (s *Server) deviceList(ds []scanner.DeviceStatus) []scanner.DeviceStatus {
	out := make([]scanner.DeviceStatus, len(ds))
	for i, d := range ds {
		d.LastError = s.text(d.LastError)
		out[i] = d
	}
	return out
}

// event is an engine event as it leaves.
func (s *Server) event(ev edge.Event) edge.Event {
	switch d := ev.Data.(type) {
	case edge.PaymentView:
		ev.Data = s.view(d)
	case edge.HookEvent:
		d.Error = s.text(d.Error)
		ev.Data = d
	case scanner.DeviceEvent:
		d.Reason = s.text(d.Reason)
		ev.Data = d
	}
	return ev
}
