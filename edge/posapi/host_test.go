package posapi

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawStatus sends one raw HTTP/1.1 request (request line as given) and
// returns the answer's status code.
func rawStatus(t *testing.T, addr, requestLine, host string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	req := requestLine + "\r\n"
	if host != "" {
		req += "Host: " + host + "\r\n"
	}
	req += "Authorization: Bearer " + testToken + "\r\nConnection: close\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s (Host %s): %v", requestLine, host, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Only "localhost", loopback literals and the names in api.allowed_hosts
// are accepted as the Host; names under .localhost are not this PC's to
// vouch for, and absolute-form request lines are refused.
func TestHostIsThisPC(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"), func(c *Config, _ *timeouts, _ *bool) {
		c.AllowedHosts = []string{"pos-api.internal"}
	})
	addr := strings.TrimPrefix(ts.url, "http://")
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		line, host string
		want       int
	}{
		{"GET /v1/devices HTTP/1.1", "127.0.0.1:" + port, 200},
		{"GET /v1/devices HTTP/1.1", "localhost:" + port, 200},
		{"GET /v1/devices HTTP/1.1", "LOCALHOST.", 200},
		{"GET /v1/devices HTTP/1.1", "[::1]:" + port, 200},
		{"GET /v1/devices HTTP/1.1", "pos-api.internal:" + port, 200},
		{"GET /v1/devices HTTP/1.1", "evil.example.localhost", 421},
		{"GET /v1/devices HTTP/1.1", "localhost.evil.example", 421},
		{"GET /v1/devices HTTP/1.1", "evil.example", 421},
		{"GET http://evil.example/v1/devices HTTP/1.1", "127.0.0.1:" + port, 421},
		{"GET http://evil.example.localhost/v1/devices HTTP/1.1", "localhost", 421},
		{"GET http://127.0.0.1:" + port + "/v1/devices HTTP/1.1", "evil.example", 421},
		// Absolute form is for proxies; Go keeps no Host header beside
		// it to compare, so it is refused whatever it names.
		{"GET http://127.0.0.1:" + port + "/v1/devices HTTP/1.1", "127.0.0.1:" + port, 421},
	}
	for _, tt := range tests {
		if got := rawStatus(t, addr, tt.line, tt.host); got != tt.want {
			t.Errorf("%s with Host %q: %d, want %d", tt.line, tt.host, got, tt.want)
		}
	}
	if err := (Config{TokenFile: "t", AllowedHosts: []string{"evil.example:80"}}).Validate(); err == nil {
		t.Error("api.allowed_hosts took a host:port")
	}
}
