package posapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
)

// DefaultMetricsListen is the usual metrics.listen (Prometheus's
// registered port range).
const DefaultMetricsListen = "127.0.0.1:9464"

// ServeMetrics answers GET /metrics on ln (bound by ListenLoopback for
// metrics.listen) without the token, for a Prometheus agent on this PC,
// until ctx ends. Nothing else is served there; the Host must name this
// PC (a page in a browser must not read it through DNS rebinding); a
// browser Origin is refused.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !s.hostAllowed(r.Host):
			http.Error(w, "the Host must be localhost or a loopback address", http.StatusMisdirectedRequest)
		case r.Header.Get("Origin") != "":
			http.Error(w, "metrics are not served to browser pages", http.StatusForbidden)
		default:
			mux.ServeHTTP(w, r)
		}
	})
	hs := &http.Server{
		Handler: h, ReadHeaderTimeout: s.t.readHeader, ReadTimeout: s.t.read, WriteTimeout: s.t.write,
		IdleTimeout: s.t.idle, MaxHeaderBytes: 8 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("metrics listening without the token", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.t.shutdown)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
