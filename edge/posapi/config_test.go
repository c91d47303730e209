package posapi

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanpay/scanpay/internal/fileperm"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{TokenFile: "token"}
	tests := []struct {
		name string
		mod  func(*Config)
		want []string // substrings of the error; none = valid
	}{
		{"defaults", func(c *Config) {}, nil},
		{"ipv6 loopback", func(c *Config) { c.Listen = "[::1]:8727" }, nil},
		{"localhost", func(c *Config) { c.Listen = "localhost:9000" }, nil},
		{"all interfaces", func(c *Config) { c.Listen = "0.0.0.0:8727" }, []string{"api.listen", "not a loopback", "127.0.0.1:8727"}},
		{"empty host", func(c *Config) { c.Listen = ":8727" }, []string{"api.listen", "loopback"}},
		{"lan address", func(c *Config) { c.Listen = "192.168.1.5:8727" }, []string{"api.listen", "loopback"}},
		{"no port", func(c *Config) { c.Listen = "127.0.0.1" }, []string{"api.listen", "host:port"}},
		{"LOCALHOST", func(c *Config) { c.Listen = "LOCALHOST:9000" }, nil},
		{"name under .localhost", func(c *Config) { c.Listen = "foo.localhost:18804" }, []string{"api.listen", "names a host", "127.0.0.1:8727"}},
		{"any other name", func(c *Config) { c.Listen = "pos-pc:8727" }, []string{"api.listen", "names a host"}},
		{"no token file", func(c *Config) { c.TokenFile = "" }, []string{"api.token_file", "set it"}},
		{"negative body", func(c *Config) { c.MaxBody = -1 }, []string{"api.max_body", "positive"}},
		{"tiny body", func(c *Config) { c.MaxBody = 10 }, []string{"api.max_body", "at least"}},
		{"negative wait", func(c *Config) { c.MaxWait = -time.Second }, []string{"api.max_wait", "60s"}},
		{"wildcard origin", func(c *Config) { c.AllowedOrigins = []string{"*"} }, []string{"api.allowed_origins[0]", "scheme://host"}},
		{"origin with path", func(c *Config) { c.AllowedOrigins = []string{"http://pos.local/app"} }, []string{"api.allowed_origins[0]"}},
		{"null origin", func(c *Config) { c.AllowedOrigins = []string{"null"} }, []string{"api.allowed_origins[0]", "file://", "can never be allowed", "http://localhost:3000"}},
		{"good origin", func(c *Config) { c.AllowedOrigins = []string{"http://localhost:3000", "https://pos.example"} }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestNewRefusesNonLoopback(t *testing.T) {
	_, err := New(Config{Listen: "0.0.0.0:0"}, newFakeEngine(), nil, testToken, nil, false)
	if err == nil || !strings.Contains(err.Error(), "api.listen") {
		t.Fatalf("New on 0.0.0.0: %v", err)
	}
	if _, err := New(Config{Listen: "127.0.0.1:0"}, newFakeEngine(), nil, "", nil, false); err == nil {
		t.Fatal("New without a token")
	}
}

// TestListenNeverLooksUpANameAndBindsLoopback: "localhost" binds
// 127.0.0.1 without a lookup; a port in use says so, other failures do not
// blame another scanpay.
func TestListenNeverLooksUpANameAndBindsLoopback(t *testing.T) {
	if got := listenAddr("localhost:0"); got != "127.0.0.1:0" {
		t.Errorf("listenAddr(localhost:0) = %q", got)
	}
	s, err := New(Config{Listen: "localhost:0"}, newFakeEngine(), nil, testToken, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.tcp.Close()
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Errorf("localhost bound %s", s.Addr())
	}
	if _, err := New(Config{Listen: "foo.localhost:0"}, newFakeEngine(), nil, testToken, nil, false); err == nil || !strings.Contains(err.Error(), "names a host") {
		t.Errorf("a .localhost name: %v", err)
	}
	_, err = New(Config{Listen: s.Addr()}, newFakeEngine(), nil, testToken, nil, false)
	if err == nil || !strings.Contains(err.Error(), "another scanpay") {
		t.Errorf("port in use: %v", err)
	}
	other := listenError("api.listen", "127.0.0.1:80", DefaultListen, &net.OpError{Op: "listen", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EACCES)})
	if strings.Contains(other.Error(), "another scanpay") || !strings.Contains(other.Error(), "127.0.0.1:8727") {
		t.Errorf("permission denied blames another scanpay or names no fix: %v", other)
	}
}

func TestLoadOrCreateToken(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "api-token")
	tok, err := LoadOrCreateToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 64 || strings.Trim(tok, "0123456789abcdef") != "" {
		t.Errorf("token %d chars, not 32 bytes of hex", len(tok))
	}
	f, err := fileperm.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if who, err := fileperm.OthersMayRead(f); err != nil || who != "" {
		t.Errorf("a new token file is readable by %q (%v), want its owner only", who, err)
	}
	f.Close()
	again, err := LoadOrCreateToken(path)
	if err != nil || again != tok {
		t.Errorf("second start: %q, %v; want the same token", again, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the token: %v", entries)
	}

	// Unix refuses a loosened token file; Windows narrows its access list
	// again (TestTokenFileIsOwnerOnlyOnWindows reads it back).
	permtest.EveryoneReads(t, path)
	_, err = LoadOrCreateToken(path)
	if runtime.GOOS != "windows" && (err == nil || !strings.Contains(err.Error(), "chmod 600")) {
		t.Errorf("world-readable token accepted: %v", err)
	}
	if runtime.GOOS == "windows" && err != nil {
		t.Errorf("a loosened token file was not narrowed again: %v", err)
	}

	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateToken(short); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("short token accepted: %v", err)
	}
}

// TestNullOriginSaysItCannotBeAllowed: the 403 for Origin: null must not
// tell the admin to add what the configuration refuses.
func TestNullOriginSaysItCannotBeAllowed(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	a := call(t, "GET", ts.url+"/v1/devices", "", map[string]string{"Origin": "null"})
	var e ErrorBody
	a.decode(t, &e)
	if a.status != 403 || e.Error.Code != ErrForbiddenOrigin || !strings.Contains(e.Error.Message, "can never be allowed") || strings.Contains(e.Error.Message, "add it to") {
		t.Errorf("Origin: null: %d %+v", a.status, e.Error)
	}
	if err := (Config{TokenFile: "t", AllowedOrigins: []string{"null"}}).Validate(); err == nil {
		t.Error(`api.allowed_origins = ["null"] accepted`)
	}
}
