package certify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// ErrProduction is wrapped when a request would go to an address that does
// not look like a test system and Options.Production was not given.
var ErrProduction = errors.New("production address")

// errWithheld is what the client sees for an answer certify withheld to
// act out a lost answer.
var errWithheld = errors.New("certify withheld the wallet's answer to act out a timeout (the request reached the wallet)")

// Words that name a test system in a host name label: the long ones
// anywhere in a label ("postest", "sandbox-api"), the short ones as a whole
// label, maybe numbered ("uat2", "dev").
var (
	testWords  = []string{"test", "sandbox", "stag"}
	testLabels = []string{"uat", "sit", "dev", "demo", "qa", "beta"}
)

func isTestLabel(label string) bool {
	for _, w := range testWords {
		if strings.Contains(label, w) {
			return true
		}
	}
	for _, w := range testLabels {
		if rest, ok := strings.CutPrefix(label, w); ok && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// IsTestHost reports whether host looks like a wallet's test system: a
// loopback or private address, localhost, or a name with a label naming a
// test system (…test…, …sandbox…, …staging…, or uat, sit, dev, demo, qa,
// beta, maybe numbered). Anything else counts as production.
func IsTestHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return a.IsLoopback() || a.IsPrivate()
	}
	for _, label := range strings.FieldsFunc(h, func(r rune) bool { return r == '.' || r == '-' }) {
		if isTestLabel(label) {
			return true
		}
	}
	return false
}

// exchange is one HTTP request and its answer, as sent and received.
type exchange struct {
	At       time.Time
	Method   string
	URL      string
	ReqHdr   http.Header
	ReqBody  []byte
	Status   string
	RespHdr  http.Header
	RespBody []byte
	Err      string
	Took     time.Duration
	Withheld bool
}

// recorder is the wallet client's transport: it refuses production hosts
// unless allowed, records every exchange, and can withhold the answer to
// the next request that carries a given payment code.
type recorder struct {
	next       http.RoundTripper
	production bool

	mu       sync.Mutex
	log      []exchange
	withhold string // withhold the answer to the next request whose body holds this
	hosts    map[string]bool
	refused  error // the first production refusal
}

func newRecorder(next http.RoundTripper, production bool) *recorder {
	if next == nil {
		next = http.DefaultTransport
	}
	return &recorder{next: next, production: production, hosts: map[string]bool{}}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if !r.production && !IsTestHost(host) {
		err := fmt.Errorf("certify: %w: %s does not look like a wallet's test system (not a loopback or private address, and no test, sandbox, staging, uat, sit, dev, demo, qa or beta in its name), so nothing was sent: point base_url at the wallet's test system, or run again with --production if you really mean this address (real money moves)", ErrProduction, req.URL.Host)
		r.mu.Lock()
		if r.refused == nil {
			r.refused = err
		}
		r.mu.Unlock()
		return nil, err
	}
	ex := exchange{At: time.Now(), Method: req.Method, URL: req.URL.String(), ReqHdr: req.Header.Clone()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		ex.ReqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	r.mu.Lock()
	r.hosts[req.URL.Host] = true
	withhold := r.withhold != "" && bytes.Contains(ex.ReqBody, []byte(r.withhold))
	if withhold {
		r.withhold = ""
	}
	r.mu.Unlock()
	start := time.Now()
	resp, err := r.next.RoundTrip(req)
	ex.Took = time.Since(start)
	if err != nil {
		ex.Err = err.Error()
		r.add(ex)
		return nil, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	ex.Status, ex.RespHdr, ex.RespBody = resp.Status, resp.Header.Clone(), b
	if rerr != nil {
		ex.Err = rerr.Error()
	}
	if withhold {
		ex.Withheld = true
		r.add(ex)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: errWithheld}
	}
	r.add(ex)
	if rerr != nil {
		return nil, rerr
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (r *recorder) add(ex exchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, ex)
}

// refusal is the first production refusal, if any: the wallet client
// wraps it in its own words, this is the plain one.
func (r *recorder) refusal() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused
}

// take returns the exchanges recorded since the last take.
func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

// withholdNext makes the answer to the next request carrying code vanish.
func (r *recorder) withholdNext(code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.withhold = code
}
