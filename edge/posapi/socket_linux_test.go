package posapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "scanpay.sock")
	ts := startServer(t, newFakeEngine("AB123456"), func(c *Config, _ *timeouts, _ *bool) { c.Socket = sock })
	info, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, want 0660", info.Mode().Perm())
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	req, _ := http.NewRequest("GET", "http://localhost/v1/devices", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("over the socket: %d %s", res.StatusCode, body)
	}
	if !strings.Contains(ts.log.String(), "uid=") || !strings.Contains(ts.log.String(), "pid=") {
		t.Errorf("peer credentials not logged:\n%s", ts.log.String())
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "scanpay.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// A live socket belongs to someone else: refused.
	if _, err := listenSocket(sock); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("live socket: %v", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	// A dead one (a killed scanpay's) is replaced.
	ln2, err := listenSocket(sock)
	if err != nil {
		t.Fatalf("stale socket: %v", err)
	}
	ln2.Close()
	if err := os.WriteFile(sock, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := listenSocket(sock); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("regular file: %v", err)
	}
}
