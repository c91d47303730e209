package posapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// refusals keeps the log readable under a flood of refused requests (a
// drive-by page POSTing with no token, a wrong Host): the first refusal of
// an interval is logged in full, the rest are counted by kind and logged
// as one summary line when the interval ends. So an attacker cannot push
// the log's history out by sending refused requests.
type refusals struct {
	log   *slog.Logger
	every time.Duration

	mu      sync.Mutex
	open    bool           // an interval is running
	counted map[string]int // refusals not logged one by one, by kind
}

// refusedKind names a refusal by the guard, or "" when status is not one.
func refusedKind(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusForbidden:
		return ErrForbiddenOrigin
	case http.StatusMisdirectedRequest:
		return ErrBadHost
	}
	return ""
}

// note records a refusal and reports whether to log it in full.
func (r *refusals) note(kind string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.open {
		r.open = true
		r.counted = map[string]int{}
		time.AfterFunc(r.every, r.flush)
		return true
	}
	r.counted[kind]++
	return false
}

func (r *refusals) flush() {
	r.mu.Lock()
	counted := r.counted
	r.open = false
	r.counted = nil
	r.mu.Unlock()
	total := 0
	attrs := make([]any, 0, len(counted)+2)
	for kind, n := range counted {
		total += n
		attrs = append(attrs, slog.Int(kind, n))
	}
	if total == 0 {
		return
	}
	r.log.Warn("POS API refused requests", slog.Int("count", total), slog.Duration("within", r.every), slog.Group("by_code", attrs...))
}
