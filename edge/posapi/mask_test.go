package posapi

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/internal/mask"
	"github.com/scanpay/scanpay/store"
)

// Text that leaves through the API is masked as the log masks it: a
// failing hook's stderr in /v1/status (hooks, problems) and in a "hook"
// event, a wallet's message in a payment view, an engine error's message.
// A registered secret (a wallet key) becomes [redacted]; a full code is
// shown masked.
func TestOutgoingTextIsMasked(t *testing.T) {
	const (
		code = "22J1ABCDEFGH991111"
		key  = "Zx9!merchant-key-42"
	)
	leak := "stderr: merchant_key=" + key + " code=" + code
	eng := newFakeEngine("AB123456")
	eng.health.Hooks = map[string]string{"printer": "hook printer: print.sh failed (exit status 1); " + leak}
	eng.health.Problems = []string{"receipts are not delivered: " + leak}
	ts := startServer(t, eng, func(_ *Config, tm *timeouts, _ *bool) { tm.heartbeat = time.Hour })
	sec := &mask.Secrets{}
	sec.Add(key)
	ts.MaskWith(sec)

	var bodies []string
	bodies = append(bodies, string(call(t, "GET", ts.url+"/v1/status", "", nil).body))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for eng.subscribers() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	eng.publish(edge.Event{Type: "hook", At: eng.now, Data: edge.HookEvent{Hook: "printer", PaymentID: "p1", State: store.Approved, Error: leak}})
	eng.publish(edge.Event{Type: "payment", At: eng.now, Data: edge.PaymentView{ID: "p1", State: store.Declined,
		Answer: store.WalletAnswer{Message: "declined: " + leak}, History: []store.Change{{State: store.Declined, Reason: leak}}}})
	rd := bufio.NewReader(res.Body)
	for n := 0; n < 2; {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		if strings.HasPrefix(line, "data: ") {
			bodies = append(bodies, line)
			n++
		}
	}

	eng.fail = &edge.Error{Code: edge.ErrInvalidRequest, Message: "the wallet refused: " + leak}
	bodies = append(bodies, string(call(t, "POST", ts.url+"/v1/payments", checkout, nil).body))

	for i, b := range bodies {
		if strings.Contains(b, key) || strings.Contains(b, code) {
			t.Errorf("answer %d holds a secret or a full code: %s", i, b)
		}
		if !strings.Contains(b, mask.Code(code)) {
			t.Errorf("answer %d lost the masked code (the test proves nothing): %s", i, b)
		}
	}
}
