//go:build linux

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

type sseEvent struct {
	Name string
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// events follows GET /v1/events on the real binary.
func (s *scanpay) events(t *testing.T, types string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/v1/events?types="+types, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		cancel()
		t.Fatalf("events: %d", res.StatusCode)
	}
	out := make(chan sseEvent, 64)
	t.Cleanup(func() { cancel(); res.Body.Close() })
	go func() {
		defer close(out)
		rd := bufio.NewReader(res.Body)
		var name string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev := sseEvent{Name: name}
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev) == nil {
					out <- ev
				}
			}
		}
	}()
	return out
}

// next returns the next event of the stream that satisfies ok.
func next(t *testing.T, events <-chan sseEvent, what string, ok func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, open := <-events:
			if !open {
				t.Fatalf("the event stream ended while waiting for %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within 20s", what)
		}
	}
}

// The other ways a POS works with scanpay, on the real binary: the code
// scanned before the amount, a product barcode passed through to the POS,
// the POS's own scanner, a partial refund, a cancel, and the event stream
// telling it all without a full code.
func TestPOSFlows(t *testing.T) {
	s := newScanpay(t)
	s.start()
	events := s.events(t, "scan,payment")

	type scanEv struct {
		Kind      string `json:"kind"`
		Class     string `json:"class"`
		Code      string `json:"code"`
		Masked    string `json:"masked_code"`
		PaymentID string `json:"payment_id"`
	}
	scanOf := func(ev sseEvent) scanEv {
		var se scanEv
		json.Unmarshal(ev.Data, &se)
		return se
	}

	t.Run("product barcode passes through", func(t *testing.T) {
		s.t = t
		s.scan("4710000000011")
		ev := next(t, events, "passthrough scan", func(ev sseEvent) bool { return ev.Name == "scan" && scanOf(ev).Kind == "passthrough" })
		if se := scanOf(ev); se.Class != "product" || se.Code != "4710000000011" {
			t.Errorf("product scan event %s", ev.Data)
		}
	})

	t.Run("scan then amount", func(t *testing.T) {
		s.t = t
		code := issue(t, "jkopay")
		s.scan(code)
		ev := next(t, events, "held scan", func(ev sseEvent) bool { return ev.Name == "scan" && scanOf(ev).Kind == "held" })
		if strings.Contains(string(ev.Data), code) || scanOf(ev).Masked == "" {
			t.Errorf("held scan event shows the code or no mask: %s", ev.Data)
		}
		var p payment
		s.must("POST", "/v1/payments?wait=30s", fmt.Sprintf(`{"terminal_id":%q,"order_number":"flow-held","amount":300}`, lane), 201, &p)
		if p.State != "approved" {
			p = s.settle(p.ID, 30*time.Second)
		}
		if p.State != "approved" {
			t.Fatalf("scan-then-amount ended %s", p.State)
		}
		if len(charges(t, "jkopay", p.MaskedCode)) != 1 {
			t.Error("not charged exactly once")
		}
		pe := next(t, events, "approved payment", func(ev sseEvent) bool {
			return ev.Name == "payment" && strings.Contains(string(ev.Data), `"state":"approved"`) && strings.Contains(string(ev.Data), p.ID)
		})
		if strings.Contains(string(pe.Data), code) {
			t.Error("a payment event holds the full code")
		}

		// A partial refund: the wallet gives back 120 of 300.
		var r struct {
			ID     string `json:"id"`
			Amount int64  `json:"amount"`
			State  string `json:"state"`
		}
		s.must("POST", "/v1/payments/"+p.ID+"/refund", `{"amount":120}`, 200, &r)
		if r.Amount != 120 {
			t.Fatalf("refund %+v", r)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			c := charges(t, "jkopay", p.MaskedCode)
			if len(c) == 1 && c[0].Refunded == 120 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the ledger shows no refund of 120: %+v", c)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if st, b := s.try("POST", "/v1/payments/"+p.ID+"/refund", `{"amount":181}`, nil, nil); st != 422 || !strings.Contains(string(b), "refund_refused") {
			t.Errorf("refund beyond what remains: %d %s", st, b)
		}
	})

	t.Run("the POS's own scanner", func(t *testing.T) {
		s.t = t
		var p payment
		s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"flow-pos","amount":77}`, lane), 201, &p)
		var res struct {
			Kind      string `json:"kind"`
			PaymentID string `json:"payment_id"`
		}
		s.must("POST", "/v1/scans", fmt.Sprintf(`{"terminal_id":%q,"code":%q}`, lane, issue(t, "easywallet")), 200, &res)
		if res.Kind != "payment" || res.PaymentID != p.ID {
			t.Fatalf("scan result %+v", res)
		}
		if p = s.settle(p.ID, 30*time.Second); p.State != "approved" {
			t.Fatalf("ended %s", p.State)
		}
	})

	t.Run("cancel before the scan", func(t *testing.T) {
		s.t = t
		var p payment
		s.must("POST", "/v1/payments", fmt.Sprintf(`{"terminal_id":%q,"order_number":"flow-cancel","amount":55}`, lane), 201, &p)
		s.must("POST", "/v1/payments/"+p.ID+"/cancel", "", 200, &p)
		if p.State != "cancelled" || !p.Final {
			t.Fatalf("cancel: %+v", p)
		}
	})
	s.t = t
}
