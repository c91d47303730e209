package posapi

import (
	"encoding/json"
	"fmt"
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
	select {
	case s.streams <- struct{}{}:
		defer func() { <-s.streams }()
	default:
		writeError(w, ErrTooManyStreams, fmt.Sprintf("%d event streams are open already, the most scanpay serves: close the ones a POS no longer reads (one stream per POS is enough)", cap(s.streams)))
		return
	}
	rc := http.NewResponseController(w)
	// The stream lives as long as the POS listens: no read deadline; each
	// write (event or heartbeat) gets the write timeout, so a POS that
	// stops reading is dropped instead of holding the stream for ever.
	_ = rc.SetReadDeadline(time.Time{})
	write := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.t.write))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
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
	if !write("%s", hello) {
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
			if !write(": heartbeat\n\n") {
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
			if !write("event: %s\ndata: %s\n\n", ev.Type, data) {
				return
			}
		}
	}
}
