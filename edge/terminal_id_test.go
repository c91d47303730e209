package edge

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/scanner"
)

// With no lanes configured any terminal_id used to be accepted: NUL,
// CR/LF, escape codes, whitespace only, "../". Now a terminal_id is
// checked like an order number, on every way in (a checkout, a scan), and
// the refusal changes nothing.
func TestTerminalIDIsValidatedWithoutLanes(t *testing.T) {
	r := newRig(t, rigOpts{quiet: true})
	ctx := context.Background()
	for _, bad := range []string{"AB\x00", "AB\r\nX", "\x1b[2J", "   ", "../etc", `a\b`, "lane 1", strings.Repeat("A", 41)} {
		_, _, err := r.e.CreatePayment(ctx, CreateRequest{TerminalID: bad, OrderNumber: "1", Amount: 5})
		var e *Error
		if !errors.As(err, &e) || e.Code != ErrInvalidRequest || !strings.Contains(e.Message, "terminal_id") {
			t.Errorf("checkout on %q: %v, want invalid_request naming terminal_id", bad, err)
		}
		_, err = r.e.Scan(ctx, scanner.Scan{Lane: bad, Code: "4711000000000001"})
		if !errors.As(err, &e) || e.Code != ErrInvalidRequest {
			t.Errorf("scan on %q: %v, want invalid_request", bad, err)
		}
	}
	if err := CheckTerminalID("AB123456"); err != nil {
		t.Errorf("a plain lane is refused: %v", err)
	}
	if got, err := r.e.Search(ctx, Query{TerminalID: "../etc"}); err == nil {
		t.Errorf("a search on a bad terminal_id answered %v", got)
	}
}
