package posapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/scanpay/scanpay/edge"
)

// eventTypes are the stream's event names.
var eventTypes = map[string]bool{"payment": true, "scan": true, "device": true, "hook": true}

// events streams the engine's events as Server-Sent Events: "event: <type>"
// and "data: <the edge.Event as JSON>", with a comment line as heartbeat so
// proxies and the POS notice a dead connection. ?types=payment,scan limits
// the stream. It ends when the POS disconnects, the engine closes the
// subscription or the server shuts down.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	want := map[string]bool{}
	if t := r.URL.Query().Get("types"); t != "" {
		for _, name := range strings.Split(t, ",") {
			name = strings.TrimSpace(name)
			if !eventTypes[name] {
				writeError(w, edge.ErrInvalidRequest, fmt.Sprintf("types=%q: event types are payment, scan, device and hook (comma-separated)", truncate(name, 20)))
				return
			}
			want[name] = true
		}
	}
	rc := http.NewResponseController(w)
	// The stream lives as long as the POS listens: no read or write deadline;
	// each heartbeat's write fails once the POS is gone.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	ctx := r.Context()
	sub := s.eng.Subscribe(ctx)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	hello := ": scanpay events\nretry: 2000\n\n"
	if s.sandbox {
		hello = ": scanpay events (SANDBOX)\nretry: 2000\n\n"
	}
	if _, err := io.WriteString(w, hello); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(s.t.heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stopping:
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case ev, ok := <-sub:
			if !ok {
				return
			}
			if !eventTypes[ev.Type] || (len(want) > 0 && !want[ev.Type]) {
				continue
			}
			data, err := json.Marshal(s.event(ev))
			if err != nil {
				s.log.Warn("POS API: event not encodable, skipped", "type", ev.Type, "err", err)
				continue
			}
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, data); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
