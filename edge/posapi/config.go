package posapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/scanpay/scanpay/internal/fileperm"
)

// Defaults of the [api] table.
const (
	DefaultListen  = "127.0.0.1:8727"
	DefaultMaxBody = 64 << 10
	DefaultMaxWait = 60 * time.Second
)

// Config is the [api] TOML table.
type Config struct {
	Listen         string        `toml:"listen"`          // loopback host:port; default 127.0.0.1:8727
	Socket         string        `toml:"socket"`          // optional Unix socket path (Linux), mode 0660
	Pipe           string        `toml:"pipe"`            // optional named pipe (Windows), e.g. \\.\pipe\scanpay
	PipeAllow      []string      `toml:"pipe_allow"`      // users or groups (or SIDs) that may open the pipe
	TokenFile      string        `toml:"token_file"`      // created at first start, owner-only
	AllowedOrigins []string      `toml:"allowed_origins"` // browser origins allowed to call the API
	AllowedHosts   []string      `toml:"allowed_hosts"`   // host names (hosts-file aliases of 127.0.0.1) accepted in Host besides localhost and loopback IPs
	MaxBody        int64         `toml:"max_body"`        // bytes; default 64 KiB
	MaxWait        time.Duration `toml:"max_wait"`        // cap for ?wait=; default 60s
}

// withDefaults fills the keys left empty.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	return c
}

// Validate checks the table; each error names the key and the fix.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if err := checkLoopbackListen(c.Listen); err != nil {
		errs = append(errs, err)
	}
	if c.TokenFile == "" {
		errs = append(errs, errors.New(`api.token_file is empty: set it to a file path (for example "api-token" in the data folder); scanpay creates it, owner-only, at first start`))
	}
	if c.Socket != "" && runtime.GOOS != "linux" {
		errs = append(errs, fmt.Errorf("api.socket = %q: Unix sockets are supported on Linux only; remove the key and use api.listen", c.Socket))
	}
	if c.Pipe != "" && runtime.GOOS != "windows" {
		errs = append(errs, fmt.Errorf("api.pipe = %q: named pipes are supported on Windows only; remove the key (on Linux use api.socket)", c.Pipe))
	} else if c.Pipe != "" {
		if err := checkPipeName(c.Pipe); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.PipeAllow) > 0 && c.Pipe == "" {
		errs = append(errs, fmt.Errorf("api.pipe_allow is set but api.pipe is not: set api.pipe = '%s' or remove api.pipe_allow", DefaultPipe))
	}
	if c.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("api.max_body = %d is negative: remove it for the default (%d bytes) or set a positive size", c.MaxBody, DefaultMaxBody))
	} else if c.MaxBody < 1024 {
		errs = append(errs, fmt.Errorf("api.max_body = %d is too small for a checkout: set at least 1024 (default %d)", c.MaxBody, DefaultMaxBody))
	}
	if c.MaxWait < 0 {
		errs = append(errs, fmt.Errorf("api.max_wait = %s is negative: remove it for the default (%s) or set a positive duration such as \"60s\"", c.MaxWait, DefaultMaxWait))
	}
	for i, o := range c.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("api.allowed_origins[%d] = %q %w", i, o, err))
		}
	}
	for i, h := range c.AllowedHosts {
		if err := checkAllowedHost(h); err != nil {
			errs = append(errs, fmt.Errorf("api.allowed_hosts[%d] = %q %w", i, h, err))
		}
	}
	return errors.Join(errs...)
}

func checkLoopbackListen(listen string) error {
	return CheckLoopbackListen("api.listen", listen, DefaultListen)
}

// CheckLoopbackListen checks that the listen address of key is a loopback
// IP (or "localhost") and a port, never a name to look up: what scanpay
// serves without the network's say must stay on this PC. example is the
// value the fix suggests.
func CheckLoopbackListen(key, listen, example string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("%s = %q is not host:port: set it to %q", key, listen, example)
	}
	if _, err := net.LookupPort("tcp", port); err != nil || port == "" {
		return fmt.Errorf("%s = %q has no valid port: set it to %q", key, listen, example)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil && host != "" {
		// A name other than "localhost" is looked up in DNS by net.Listen:
		// an answer with a LAN address would put the API on the network.
		return fmt.Errorf("%s = %q names a host: scanpay listens only on a loopback IP, never on a name it would have to look up; set it to %q (or \"[::1]:<port>\", or \"localhost:<port>\")", key, listen, example)
	}
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s = %q is not a loopback address: it must be reachable from this PC only; set it to %q (or \"[::1]:<port>\")", key, listen, example)
	}
	return nil
}

// ListenLoopback checks listen (CheckLoopbackListen), binds it, and checks
// again on what was bound.
func ListenLoopback(key, listen, example string) (net.Listener, error) {
	if err := CheckLoopbackListen(key, listen, example); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", listenAddr(listen))
	if err != nil {
		return nil, listenError(key, listen, example, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%s %s bound %s, which is not a loopback address: refusing to serve it to the network; set %s to %q", key, listen, ln.Addr(), key, example)
	}
	return ln, nil
}

// listenAddr is what net.Listen is given: "localhost" is 127.0.0.1, not a
// name resolved (by hosts file or DNS) at start.
func listenAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || !strings.EqualFold(host, "localhost") {
		return listen
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// nullOriginFix is said wherever Origin: null comes up. "null" is the
// origin of every file:// page, sandboxed frame and data: URL: allowing it
// would let any HTML file on the PC (an e-mail attachment) take payments.
const nullOriginFix = `"null" is the origin of file:// pages, sandboxed frames and data: URLs, which any local file can claim, so it can never be allowed: serve the POS page over http(s) (for example http://localhost:3000) and list that origin`

func checkOrigin(o string) error {
	if strings.EqualFold(strings.TrimSpace(o), "null") {
		return errors.New("is not allowed: " + nullOriginFix)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New(`is not an origin: write it as scheme://host[:port], for example "http://localhost:3000" (no path, no "*")`)
	}
	return nil
}

// isLoopbackHost reports whether a Host header (no port, brackets
// allowed) names this machine: "localhost" or a loopback IP. A name under
// ".localhost" is not: browsers resolve it to loopback themselves, but any
// page may pick one, so it says nothing about who is calling. It is for
// checking requests, never for choosing where to listen.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkAllowedHost: an api.allowed_hosts entry is a bare host name, as a
// hosts file maps it to 127.0.0.1.
func checkAllowedHost(h string) error {
	if h == "" || strings.ContainsAny(h, ":/[]* ") || strings.HasPrefix(h, ".") || net.ParseIP(h) != nil {
		return errors.New(`is not a host name: write the bare name the POS calls the API by (for example "pos-api.internal"), no port, no scheme; loopback IPs and "localhost" are always accepted`)
	}
	return nil
}

// LoadOrCreateToken returns the API token kept in path, creating the file
// with 32 random bytes (hex) and owner-only permissions when it does not
// exist. A token file others may read is refused: anyone who holds the
// token can take payments.
func LoadOrCreateToken(path string) (string, error) {
	if path == "" {
		return "", errors.New("api.token_file is empty: set it to a file path; scanpay creates it at first start")
	}
	tok, err := readToken(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return tok, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("api.token_file %s: cannot create its folder: %w; create it or point api.token_file elsewhere", path, err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("api token: no randomness: %w", err)
	}
	tok = hex.EncodeToString(raw[:])
	// Write a temporary file and link it into place: a crash never leaves a
	// half-written token, and a second scanpay starting at the same moment
	// keeps the first one's token instead of overwriting it.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return "", fmt.Errorf("api.token_file %s: cannot write in its folder: %w; make the folder writable for the service user", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	// Before the token is written: on Windows the new file inherited the
	// folder's access list, which may let every user read it.
	if err := fileperm.RestrictToOwner(tmp.Name()); err != nil {
		tmp.Close()
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if _, err := tmp.WriteString(tok + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readToken(path)
		}
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	return tok, nil
}

// readToken reads the token from the file itself: opened without
// following a link or waiting on a FIFO, then every check asks about the
// opened file (owner, who else may read or change it), so the file
// checked is the file read.
func readToken(path string) (string, error) {
	f, err := fileperm.OpenNoFollow(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("api.token_file: %w", err)
	}
	defer f.Close()
	owner, trusted, err := fileperm.Owner(f)
	if err != nil {
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if !trusted {
		return "", fmt.Errorf("api.token_file %s is owned by %s, not by scanpay's account or the administrator: run %s, or delete it and restart scanpay to make a new one", path, owner, fileperm.FixOwner(path))
	}
	// Windows: the access list is set again at each start, so a token
	// file copied in or loosened by hand is owner-only (and read back).
	if err := fileperm.RestrictToOwner(path); err != nil {
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	if who, err := fileperm.OthersMayRead(f); err != nil || who != "" {
		if err != nil {
			return "", fmt.Errorf("api.token_file %s: %w", path, err)
		}
		return "", fmt.Errorf("api.token_file %s is readable by %s: run %s", path, who, fixToken(path))
	}
	if who, err := fileperm.OthersMayWrite(f); err != nil || who != "" {
		if err != nil {
			return "", fmt.Errorf("api.token_file %s: %w", path, err)
		}
		return "", fmt.Errorf("api.token_file %s may be changed by %s: run %s", path, who, fixToken(path))
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("api.token_file %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 32 {
		return "", fmt.Errorf("api.token_file %s holds no usable token (fewer than 32 characters): delete the file and restart scanpay to make a new one", path)
	}
	return tok, nil
}

// fixToken: the token is the owner's alone (0600), not its group's.
func fixToken(path string) string {
	if runtime.GOOS == "windows" {
		return fileperm.FixRead(path)
	}
	return "chmod 600 " + path
}
