package posapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "5ca9f00d5ca9f00d5ca9f00d5ca9f00d5ca9f00d5ca9f00d5ca9f00d5ca9f00d"

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	*Server
	url  string
	log  *syncBuffer
	done chan error
	stop context.CancelFunc
}

type serverOpt func(*Config, *timeouts, *bool)

func withSandbox(c *Config, t *timeouts, sandbox *bool) { *sandbox = true }

// startServer runs a real server on a loopback port with the fake engine.
func startServer(t *testing.T, eng Engine, opts ...serverOpt) *testServer {
	t.Helper()
	return startServerWith(t, eng, fakeDevices{}, opts...)
}

// startServerWith is startServer with these scanners.
func startServerWith(t *testing.T, eng Engine, dev Devices, opts ...serverOpt) *testServer {
	t.Helper()
	cfg := Config{Listen: "127.0.0.1:0", TokenFile: "unused", AllowedOrigins: []string{"http://localhost:3000"}}
	tm := defaultTimeouts
	tm.shutdown = 2 * time.Second
	sandbox := false
	for _, o := range opts {
		o(&cfg, &tm, &sandbox)
	}
	buf := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := newServer(cfg, eng, dev, testToken, log, sandbox, tm)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: s, url: "http://" + s.Addr(), log: buf, done: make(chan error, 1), stop: cancel}
	go func() { ts.done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ts.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) errCode(t *testing.T) string {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", a.body, err)
	}
	if e.Error.Message == "" {
		t.Errorf("error %q has no message", e.Error.Code)
	}
	return e.Error.Code
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
}

// call sends a request with the token (unless hdr overrides it).
func call(t *testing.T, method, url, body string, hdr map[string]string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}
}
