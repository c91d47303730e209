package certify

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// CodeSource gives the payment code for one case. A wallet's test system
// takes codes only from its test app, so a person shows one per case; the
// simulators make their own.
type CodeSource interface {
	Code(ctx context.Context, wallet, caseName string) (string, error)
}

// Prompt asks a person for each code: it names the case on Out and reads
// one line from In (a barcode scanner in keyboard mode types it there).
type Prompt struct {
	In  io.Reader
	Out io.Writer

	once sync.Once
	sc   *bufio.Scanner
}

// Code asks for one code.
func (p *Prompt) Code(ctx context.Context, wallet, caseName string) (string, error) {
	p.once.Do(func() { p.sc = bufio.NewScanner(p.In) })
	fmt.Fprintf(p.Out, "%s: show a fresh %s payment code from the test app for %q, scan it or type it, then Enter: ", wallet, wallet, caseName)
	if !p.sc.Scan() {
		if err := p.sc.Err(); err != nil {
			return "", fmt.Errorf("reading a payment code: %w", err)
		}
		return "", errors.New("no payment code: the input ended (give codes with --codes, or run in a terminal)")
	}
	return strings.TrimSpace(p.sc.Text()), nil
}

// List hands out codes given in advance, in case order. Codes from a
// wallet's test app expire within minutes, so give them just before the
// run.
type List struct {
	mu    sync.Mutex
	codes []string
}

// NewList makes a List of codes.
func NewList(codes []string) *List { return &List{codes: codes} }

// Code takes the next code.
func (l *List) Code(_ context.Context, _, caseName string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.codes) == 0 {
		return "", fmt.Errorf("no code left for %q: --codes needs one code per payment case, in this order: %s", caseName, strings.Join(PaymentCases, "; "))
	}
	c := l.codes[0]
	l.codes = l.codes[1:]
	return c, nil
}

// PaymentCases are the cases that take a payment code, in the order they
// ask for one.
var PaymentCases = []string{CaseApproved, CaseDeclined, CaseDuplicate, CaseTimeout, CaseVoid, CaseFull, CasePartial}

// Walletsim issues codes through walletsim's control API (for the
// simulators only: a real wallet issues codes in its app).
type Walletsim struct {
	Control string // walletsim's control URL, e.g. http://127.0.0.1:40123
	Client  *http.Client
}

// Code issues a fresh code of wallet.
func (s Walletsim) Code(ctx context.Context, wallet, _ string) (string, error) {
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	url := strings.TrimRight(s.Control, "/") + "/v1/wallets/" + wallet + "/codes"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return "", fmt.Errorf("--simulator %q: %w", s.Control, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("asking walletsim at %s for a %s code: %w: is walletsim running there?", s.Control, wallet, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var out struct {
		Code string `json:"code"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Code == "" {
		return "", fmt.Errorf("walletsim at %s gave no %s code (HTTP %d: %.200s): check --simulator", s.Control, wallet, resp.StatusCode, b)
	}
	return out.Code, nil
}

// CodeFunc makes a function a CodeSource.
type CodeFunc func(ctx context.Context, wallet, caseName string) (string, error)

// Code calls f.
func (f CodeFunc) Code(ctx context.Context, wallet, caseName string) (string, error) {
	return f(ctx, wallet, caseName)
}
