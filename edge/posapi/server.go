package posapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/scanpay/scanpay/edge/statuspage"
	"github.com/scanpay/scanpay/internal/mask"
)

// Headers the API sets or reads.
const (
	headerMode      = "Scanpay-Mode"       // "SANDBOX" on every answer in sandbox mode
	headerRequestID = "Scanpay-Request-Id" // echoed in error bodies and the log
)

// Timeouts of the http.Server. Long-polls and the event stream extend their
// own deadlines through http.ResponseController; everything else must be
// quick.
type timeouts struct {
	readHeader, read, write, idle time.Duration
	heartbeat                     time.Duration // SSE comment interval
	shutdown                      time.Duration // grace for requests in progress
	refusedLog                    time.Duration // refused requests are summed up in one log line per interval
	streams                       int           // most event streams at once
}

var defaultTimeouts = timeouts{
	readHeader: 5 * time.Second,
	read:       15 * time.Second,
	write:      30 * time.Second,
	idle:       120 * time.Second,
	heartbeat:  15 * time.Second,
	shutdown:   10 * time.Second,
	refusedLog: time.Minute,
	streams:    64,
}

// Server is the POS API.
type Server struct {
	cfg     Config
	eng     Engine
	dev     Devices
	token   tokenCheck
	log     *slog.Logger
	sandbox bool
	t       timeouts

	mux     *http.ServeMux
	handler http.Handler
	metrics *metrics
	page    *statuspage.Page
	pageAt  map[string]bool // the page's patterns: a session, not the token, admits them

	secrets atomic.Pointer[mask.Secrets] // masks outgoing free text; see MaskWith
	streams chan struct{}                // one token per open event stream
	refused *refusals

	tcp      net.Listener
	sock     net.Listener
	pipe     net.Listener  // Windows named pipe
	stopping chan struct{} // closed when Serve's ctx ends: long-polls and streams end
	stopOnce sync.Once
}

// New builds the server and binds its listeners (so a port in use is an
// error at start, and Addr is known before Serve). token is the bearer
// token (LoadOrCreateToken); sandbox marks every answer as SANDBOX.
func New(cfg Config, eng Engine, dev Devices, token string, log *slog.Logger, sandbox bool) (*Server, error) {
	s, err := newServer(cfg, eng, dev, token, log, sandbox, defaultTimeouts)
	if err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

func newServer(cfg Config, eng Engine, dev Devices, token string, log *slog.Logger, sandbox bool, t timeouts) (s *Server, err error) {
	cfg = cfg.withDefaults()
	if err := checkLoopbackListen(cfg.Listen); err != nil {
		return nil, err
	}
	for i, o := range cfg.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("api.allowed_origins[%d] = %q %w", i, o, err)
		}
	}
	if eng == nil {
		return nil, errors.New("posapi: no engine")
	}
	if len(token) < 16 {
		return nil, errors.New("posapi: the API token is empty or shorter than 16 characters: use LoadOrCreateToken on api.token_file")
	}
	if log == nil {
		log = slog.Default()
	}
	s = &Server{
		cfg: cfg, eng: eng, dev: dev, token: newTokenCheck(token),
		log: log.With("component", "posapi"), sandbox: sandbox, t: t,
		stopping: make(chan struct{}),
	}
	s.streams = make(chan struct{}, max(t.streams, 1))
	s.refused = &refusals{log: s.log, every: t.refusedLog}
	own := &mask.Secrets{}
	own.Add(token)
	s.secrets.Store(own)
	s.metrics = newMetrics(eng, dev)
	s.page, err = statuspage.New(statuspage.Options{
		Source: eng, Devices: dev, Events: http.HandlerFunc(s.events), Mask: s.text, Sandbox: sandbox, Log: s.log,
	})
	if err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		s.mux.Handle(rt.pattern, rt.handler)
	}
	s.pageAt = map[string]bool{}
	for _, rt := range s.page.Routes() {
		s.mux.Handle(rt.Pattern, rt.Handler)
		s.pageAt[rt.Pattern] = true
	}
	s.handler = s.guard(s.mux)
	return s, nil
}

// Handler is the whole API with its guard: useful to serve it elsewhere
// (tests, a named pipe).
func (s *Server) Handler() http.Handler { return s.handler }

// Registry is the Prometheus registry behind GET /metrics, for callers
// that add their own collectors.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Addr is the bound TCP address ("127.0.0.1:8727").
func (s *Server) Addr() string {
	if s.tcp == nil {
		return ""
	}
	return s.tcp.Addr().String()
}

func (s *Server) listen() error {
	ln, err := ListenLoopback("api.listen", s.cfg.Listen, DefaultListen)
	if err != nil {
		return err
	}
	s.tcp = ln
	if s.cfg.Socket != "" {
		sock, err := listenSocket(s.cfg.Socket)
		if err != nil {
			ln.Close()
			return err
		}
		s.sock = sock
	}
	if s.cfg.Pipe != "" {
		pipe, err := listenPipe(s.cfg.Pipe, s.cfg.PipeAllow)
		if err != nil {
			ln.Close()
			if s.sock != nil {
				s.sock.Close()
			}
			return err
		}
		s.pipe = pipe
	}
	return nil
}

// Serve answers on the bound listeners until ctx ends, then stops taking
// connections, ends long-polls and event streams, and gives requests in
// progress a grace period.
func (s *Server) Serve(ctx context.Context) error {
	if s.tcp == nil {
		return errors.New("posapi: Serve on a server that is not listening (use New)")
	}
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.t.readHeader,
		ReadTimeout:       s.t.read,
		WriteTimeout:      s.t.write,
		IdleTimeout:       s.t.idle,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:       s.connContext,
	}
	errc := make(chan error, 3)
	s.log.Info("POS API listening", "addr", s.Addr(), "socket", s.cfg.Socket, "pipe", s.cfg.Pipe, "sandbox", s.sandbox)
	n := 0
	for _, ln := range []net.Listener{s.tcp, s.sock, s.pipe} {
		if ln != nil {
			n++
			go func() { errc <- hs.Serve(ln) }()
		}
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		n--
	}
	s.stopOnce.Do(func() { close(s.stopping) })
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.t.shutdown)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		hs.Close()
	}
	for ; n > 0; n-- {
		if e := <-errc; err == nil && !errors.Is(e, http.ErrServerClosed) {
			err = e
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// listenError names the fix for a failed listen. Only a port in use hints
// at another scanpay.
func listenError(key, listen, example string, err error) error {
	if addrInUse(err) {
		return fmt.Errorf("%s %s: %w: the port is in use; is another scanpay running? Stop it or choose another port", key, listen, err)
	}
	return fmt.Errorf("%s %s: %w: check that this PC has that loopback address and that the port is allowed, or set %s to %q", key, listen, err, key, example)
}

// wsaeaddrinuse is Windows' "address in use" (WSAEADDRINUSE), which
// syscall.EADDRINUSE does not match there.
const wsaeaddrinuse = 10048

func addrInUse(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && (errno == syscall.EADDRINUSE || errno == wsaeaddrinuse)
}
