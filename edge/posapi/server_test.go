package posapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/store"
)

const checkout = `{"terminal_id":"AB123456","order_number":"42","amount":100,"undiscountable_amount":0,"description":"coffee","items":[{"name":"latte","quantity":1,"unit_price":100,"subtotal":100}]}`

func TestRefusals(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	big := `{"terminal_id":"AB123456","order_number":"42","amount":100,"description":"` + strings.Repeat("x", DefaultMaxBody) + `"}`
	tests := []struct {
		name, method, path, body string
		hdr                      map[string]string
		status                   int
		code                     string
	}{
		{"no token", "POST", "/v1/payments", checkout, map[string]string{"Authorization": ""}, 401, ErrUnauthorized},
		{"wrong token", "POST", "/v1/payments", checkout, map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, 401, ErrUnauthorized},
		{"not bearer", "GET", "/v1/devices", "", map[string]string{"Authorization": "Basic " + testToken}, 401, ErrUnauthorized},
		{"token as query is not a token", "GET", "/v1/devices?access_token=" + testToken, "", map[string]string{"Authorization": ""}, 401, ErrUnauthorized},
		{"rebinding host", "GET", "/v1/devices", "", map[string]string{"Host": "evil.example:8727"}, 421, ErrBadHost},
		{"lan ip host", "GET", "/v1/devices", "", map[string]string{"Host": "192.168.1.20:8727"}, 421, ErrBadHost},
		{"foreign origin", "POST", "/v1/payments", checkout, map[string]string{"Origin": "https://evil.example"}, 403, ErrForbiddenOrigin},
		{"null origin", "GET", "/v1/devices", "", map[string]string{"Origin": "null"}, 403, ErrForbiddenOrigin},
		{"oversized body", "POST", "/v1/payments", big, nil, 413, ErrTooLarge},
		{"malformed json", "POST", "/v1/payments", `{"terminal_id":`, nil, 400, edge.ErrInvalidRequest},
		{"not json", "POST", "/v1/payments", `terminal_id=AB123456`, nil, 400, edge.ErrInvalidRequest},
		{"empty body", "POST", "/v1/payments", ``, nil, 400, edge.ErrInvalidRequest},
		{"unknown field", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":100,"amount_twd":100}`, nil, 400, edge.ErrInvalidRequest},
		{"trailing data", "POST", "/v1/payments", checkout + `{}`, nil, 400, edge.ErrInvalidRequest},
		{"amount as string", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":"100"}`, nil, 400, edge.ErrInvalidRequest},
		{"fractional amount", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":100.5}`, nil, 400, edge.ErrInvalidRequest},
		{"unknown terminal", "POST", "/v1/payments", `{"terminal_id":"ZZ999999","order_number":"42","amount":100}`, nil, 422, edge.ErrUnknownTerminal},
		{"missing amount", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42"}`, nil, 400, edge.ErrInvalidRequest},
		{"bad wait", "GET", "/v1/payments/pay-1?wait=soon", "", nil, 400, edge.ErrInvalidRequest},
		{"negative wait", "GET", "/v1/payments/pay-1?wait=-1s", "", nil, 400, edge.ErrInvalidRequest},
		{"unknown payment", "GET", "/v1/payments/nope", "", nil, 404, edge.ErrNotFound},
		{"unknown route", "GET", "/v2/payments", "", nil, 404, edge.ErrNotFound},
		{"wrong method", "DELETE", "/v1/payments/pay-1", "", nil, 405, ErrMethodNotAllowed},
		{"search without filter", "GET", "/v1/payments", "", nil, 400, edge.ErrInvalidRequest},
		{"search bad state", "GET", "/v1/payments?state=paid", "", nil, 400, edge.ErrInvalidRequest},
		{"search unknown param", "GET", "/v1/payments?order=42", "", nil, 400, edge.ErrInvalidRequest},
		{"refund zero", "POST", "/v1/payments/pay-1/refund", `{"amount":0}`, nil, 400, edge.ErrInvalidRequest},
		{"scan without code", "POST", "/v1/scans", `{"terminal_id":"AB123456"}`, nil, 400, edge.ErrInvalidRequest},
		{"events bad type", "GET", "/v1/events?types=everything", "", nil, 400, edge.ErrInvalidRequest},
		{"cancel with junk body", "POST", "/v1/payments/pay-1/cancel", `{"why":"x"}`, nil, 400, edge.ErrInvalidRequest},
		{"duplicate amount", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":1,"amount":100}`, nil, 400, edge.ErrInvalidRequest},
		{"amount in another case", "POST", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":1,"Amount":100}`, nil, 400, edge.ErrInvalidRequest},
		{"array body", "POST", "/v1/payments", `[]`, nil, 400, edge.ErrInvalidRequest},
		{"null body", "POST", "/v1/payments", `null`, nil, 400, edge.ErrInvalidRequest},
		{"array cancel body", "POST", "/v1/payments/pay-1/cancel", `[]`, nil, 400, edge.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, tt.method, ts.url+tt.path, tt.body, tt.hdr)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", a.status, tt.status, a.body)
			}
			if got := a.errCode(t); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			if a.header.Get(headerRequestID) == "" {
				t.Error("no request id")
			}
		})
	}
	// None of those refusals changed anything.
	a := call(t, "GET", ts.url+"/v1/payments?terminal_id=AB123456", "", nil)
	var list PaymentList
	a.decode(t, &list)
	if len(list.Payments) != 0 {
		t.Errorf("refused requests created %d payments", len(list.Payments))
	}
	if a := call(t, "DELETE", ts.url+"/v1/payments/x", "", nil); a.header.Get("Allow") == "" {
		t.Error("405 without an Allow header")
	}
}

func TestLoopbackHostsAccepted(t *testing.T) {
	ts := startServer(t, newFakeEngine())
	port := ts.Addr()[strings.LastIndex(ts.Addr(), ":")+1:]
	for _, host := range []string{"localhost", "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST", "127.0.0.2"} {
		if a := call(t, "GET", ts.url+"/v1/devices", "", map[string]string{"Host": host}); a.status != 200 {
			t.Errorf("Host %q: status %d: %s", host, a.status, a.body)
		}
	}
}

func TestAllowedOriginAndPreflight(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	a := call(t, "OPTIONS", ts.url+"/v1/payments", "", map[string]string{
		"Authorization": "", "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
	})
	if a.status != http.StatusNoContent || a.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(a.header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", a.status, a.header)
	}
	a = call(t, "POST", ts.url+"/v1/payments", checkout, map[string]string{"Origin": "http://localhost:3000"})
	if a.status != http.StatusCreated || a.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Fatalf("allowed origin: %d %s %v", a.status, a.body, a.header)
	}
}

func TestCreateIsIdempotent(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	first := call(t, "POST", ts.url+"/v1/payments", checkout, nil)
	if first.status != http.StatusCreated {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	var v1, v2 edge.PaymentView
	first.decode(t, &v1)
	if first.header.Get("Location") != "/v1/payments/"+v1.ID || v1.State != store.AwaitingScan {
		t.Errorf("Location %q, state %s", first.header.Get("Location"), v1.State)
	}
	again := call(t, "POST", ts.url+"/v1/payments", checkout, nil)
	if again.status != http.StatusOK {
		t.Fatalf("repeat: %d %s", again.status, again.body)
	}
	again.decode(t, &v2)
	if v2.ID != v1.ID {
		t.Errorf("repeat made a second payment %s (first %s)", v2.ID, v1.ID)
	}
}

func TestPaymentFlow(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng)
	var v edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", checkout, nil).decode(t, &v)

	// The POS-owned scanner's scan triggers the waiting payment.
	a := call(t, "POST", ts.url+"/v1/scans", `{"terminal_id":"AB123456","code":"221234567890123456"}`, nil)
	var res edge.ScanResult
	a.decode(t, &res)
	if a.status != 200 || res.Kind != "payment" || res.PaymentID != v.ID || strings.Contains(string(a.body), "221234567890123456") {
		t.Fatalf("scan: %d %s", a.status, a.body)
	}
	if got := eng.scans[0]; got.Lane != "AB123456" || got.Code != "221234567890123456" || got.Device != "pos" {
		t.Errorf("engine got scan %v", got)
	}
	call(t, "GET", ts.url+"/v1/payments/"+v.ID, "", nil).decode(t, &v)
	if v.State != store.Approved {
		t.Fatalf("state %s", v.State)
	}

	var list PaymentList
	call(t, "GET", ts.url+"/v1/payments?order_number=42&terminal_id=AB123456&state=approved&limit=5", "", nil).decode(t, &list)
	if len(list.Payments) != 1 || list.Payments[0].ID != v.ID {
		t.Errorf("search: %+v", list)
	}

	a = call(t, "POST", ts.url+"/v1/payments/"+v.ID+"/refund", `{"amount":30}`, nil)
	var r edge.RefundView
	a.decode(t, &r)
	if a.status != 200 || r.Amount != 30 || r.PaymentID != v.ID {
		t.Fatalf("refund: %d %s", a.status, a.body)
	}
	if a := call(t, "POST", ts.url+"/v1/payments/"+v.ID+"/refund", `{"amount":71}`, nil); a.status != 422 || a.errCode(t) != edge.ErrRefundRefused {
		t.Errorf("over-refund: %d %s", a.status, a.body)
	}
	if a := call(t, "POST", ts.url+"/v1/payments/"+v.ID+"/cancel", "", nil); a.status != 409 || a.errCode(t) != edge.ErrConflict {
		t.Errorf("cancel approved: %d %s", a.status, a.body)
	}

	var c edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", `{"terminal_id":"AB123456","order_number":"43","amount":50}`, nil).decode(t, &c)
	a = call(t, "POST", ts.url+"/v1/payments/"+c.ID+"/cancel", `{}`, nil)
	a.decode(t, &c)
	if a.status != 200 || c.State != store.Cancelled || !c.Final {
		t.Errorf("cancel: %d %s", a.status, a.body)
	}
}

func TestErrorCodesMapToStatuses(t *testing.T) {
	want := map[string]int{
		edge.ErrInvalidRequest: 400, edge.ErrNotFound: 404, edge.ErrConflict: 409,
		edge.ErrUnknownTerminal: 422, edge.ErrUnknownCode: 422, edge.ErrWalletNotEnabled: 422,
		edge.ErrRefundRefused: 422, edge.ErrUnavailable: 503,
	}
	for code, status := range want {
		t.Run(code, func(t *testing.T) {
			eng := newFakeEngine("AB123456")
			eng.fail = &edge.Error{Code: code, Message: "what to do", Err: fmt.Errorf("cause with secret 221234567890123456")}
			ts := startServer(t, eng)
			a := call(t, "GET", ts.url+"/v1/payments/pay-1", "", nil)
			if a.status != status || a.errCode(t) != code {
				t.Errorf("got %d %s", a.status, a.body)
			}
			if strings.Contains(string(a.body), "cause") {
				t.Errorf("the cause leaked into the answer: %s", a.body)
			}
		})
	}
	t.Run("plain error is internal", func(t *testing.T) {
		eng := newFakeEngine("AB123456")
		eng.fail = fmt.Errorf("disk on fire")
		ts := startServer(t, eng)
		a := call(t, "GET", ts.url+"/v1/payments/pay-1", "", nil)
		if a.status != 500 || a.errCode(t) != ErrInternal || strings.Contains(string(a.body), "fire") {
			t.Errorf("got %d %s", a.status, a.body)
		}
		if !strings.Contains(ts.log.String(), "disk on fire") {
			t.Error("the cause of a 500 is not in the log")
		}
	})
}

func TestWaitUntilFinal(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng)
	var v edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", checkout, nil).decode(t, &v)
	go func() {
		time.Sleep(100 * time.Millisecond)
		eng.settle(v.ID, store.Declined)
	}()
	a := call(t, "GET", ts.url+"/v1/payments/"+v.ID+"?wait=20s", "", nil)
	a.decode(t, &v)
	if v.State != store.Declined || !v.Final {
		t.Fatalf("after wait: %s", a.body)
	}

	// Create with wait: the answer comes when the payment is final.
	var w edge.PaymentView
	go func() {
		id := eng.waitForPayment(2)
		time.Sleep(50 * time.Millisecond)
		eng.settle(id, store.Approved)
	}()
	a = call(t, "POST", ts.url+"/v1/payments?wait=20s", `{"terminal_id":"AB123456","order_number":"44","amount":10}`, nil)
	a.decode(t, &w)
	if a.status != http.StatusCreated || w.State != store.Approved {
		t.Fatalf("create+wait: %d %s", a.status, a.body)
	}
}

func TestWaitIsCappedByMaxWait(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, func(c *Config, _ *timeouts, _ *bool) { c.MaxWait = 150 * time.Millisecond })
	var v edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", checkout, nil).decode(t, &v)
	a := call(t, "GET", ts.url+"/v1/payments/"+v.ID+"?wait=1h", "", nil)
	a.decode(t, &v)
	if a.status != 200 || v.State != store.AwaitingScan || v.Final {
		t.Fatalf("capped wait: %d %s", a.status, a.body)
	}
}

// A long-poll outlives the server's read and write timeouts: the handler
// pushes the connection's deadlines past its wait.
func TestWaitOutlivesServerTimeouts(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, func(_ *Config, tm *timeouts, _ *bool) {
		tm.read, tm.write = 200*time.Millisecond, 200*time.Millisecond
	})
	var v edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", checkout, nil).decode(t, &v)
	go func() {
		time.Sleep(700 * time.Millisecond)
		eng.settle(v.ID, store.Approved)
	}()
	a := call(t, "GET", ts.url+"/v1/payments/"+v.ID+"?wait=5s", "", nil)
	a.decode(t, &v)
	if v.State != store.Approved {
		t.Fatalf("long-poll past the timeouts: %d %s", a.status, a.body)
	}
}

func TestSandboxIsSaid(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"), withSandbox)
	a := call(t, "POST", ts.url+"/v1/payments", checkout, nil)
	var v edge.PaymentView
	a.decode(t, &v)
	if a.header.Get("Scanpay-Mode") != "SANDBOX" || !v.Sandbox {
		t.Errorf("sandbox not said: %v %s", a.header, a.body)
	}
	if a := call(t, "GET", ts.url+"/v1/nothing", "", nil); a.header.Get("Scanpay-Mode") != "SANDBOX" {
		t.Error("an error answer does not say SANDBOX")
	}
	var live Liveness
	call(t, "GET", ts.url+"/healthz", "", map[string]string{"Authorization": ""}).decode(t, &live)
	if !live.OK || !live.Sandbox {
		t.Errorf("healthz: %+v", live)
	}
}

func TestHealthzWithoutToken(t *testing.T) {
	eng := newFakeEngine()
	eng.health = edge.Health{OK: false, Problems: []string{"journal full"}, Hooks: map[string]string{"file": "disk full"}}
	ts := startServer(t, eng)
	a := call(t, "GET", ts.url+"/healthz", "", map[string]string{"Authorization": ""})
	if a.status != 503 || strings.Contains(string(a.body), "journal") || strings.Contains(string(a.body), "disk") {
		t.Errorf("healthz unhealthy: %d %s (must say nothing sensitive)", a.status, a.body)
	}
	if a := call(t, "GET", ts.url+"/metrics", "", map[string]string{"Authorization": ""}); a.status != 401 {
		t.Errorf("metrics without token: %d", a.status)
	}
}

func TestDevices(t *testing.T) {
	eng := newFakeEngine()
	s, err := newServer(Config{Listen: "127.0.0.1:0"}, eng, fakeDevices{{Device: "ttyACM0", Kind: "serial", Lane: "AB123456", Connected: true}}, testToken, nil, false, defaultTimeouts)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1/v1/devices", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := newRecorder()
	s.Handler().ServeHTTP(rec, req)
	if rec.status != 200 || !strings.Contains(rec.body.String(), `"device":"ttyACM0"`) {
		t.Errorf("devices: %d %s", rec.status, rec.body.String())
	}
}

func TestEventStream(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, withSandbox, func(_ *Config, tm *timeouts, _ *bool) {
		tm.heartbeat = 50 * time.Millisecond
		tm.write = 100 * time.Millisecond // the stream must outlive it
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/v1/events?types=payment,device", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for eng.subscribers() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(250 * time.Millisecond) // past the write timeout
	eng.publish(edge.Event{Type: "scan", At: eng.now, Data: map[string]string{"masked_code": "4711…0001"}})
	eng.publish(edge.Event{Type: "device", At: eng.now, Data: map[string]string{"device": "ttyACM0", "kind": "connected"}})
	call(t, "POST", ts.url+"/v1/payments", checkout, nil)

	rd := bufio.NewReader(res.Body)
	var events []string
	heartbeats := 0
	for len(events) < 2 {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended early: %v (events %v)", err, events)
		}
		switch {
		case line == ": heartbeat\n":
			heartbeats++
		case strings.HasPrefix(line, "event: "):
			data, _ := rd.ReadString('\n')
			events = append(events, strings.TrimSpace(line)+" "+strings.TrimSpace(data))
		}
	}
	if !strings.HasPrefix(events[0], `event: device data: {"type":"device"`) {
		t.Errorf("first event %q (the scan must have been filtered out)", events[0])
	}
	if !strings.HasPrefix(events[1], `event: payment data: {"type":"payment"`) || !strings.Contains(events[1], `"sandbox":true`) {
		t.Errorf("second event %q", events[1])
	}
	if heartbeats == 0 {
		t.Error("no heartbeat while idle")
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for eng.subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stream did not end when the POS disconnected")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Shutdown ends long-polls (with the truth as it stands) and streams, and
// Serve returns.
func TestShutdownEndsLongPolls(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng)
	var v edge.PaymentView
	call(t, "POST", ts.url+"/v1/payments", checkout, nil).decode(t, &v)
	got := make(chan answer, 1)
	go func() { got <- call(t, "GET", ts.url+"/v1/payments/"+v.ID+"?wait=60s", "", nil) }()
	req, _ := http.NewRequest("GET", ts.url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	time.Sleep(100 * time.Millisecond)
	ts.stop()
	select {
	case a := <-got:
		a.decode(t, &v)
		if a.status != 200 || v.State != store.AwaitingScan {
			t.Errorf("long-poll at shutdown: %d %s", a.status, a.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the long-poll outlived the shutdown")
	}
}

// TestStrictJSONNamesTheProblem: encoding/json would take the last of two
// equal names and match names in any case; the API refuses both, and a
// body that is not an object, with a message that says what to fix.
func TestStrictJSONNamesTheProblem(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"))
	for _, tt := range []struct{ name, path, body, want string }{
		{"duplicate", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":1,"amount":100}`, `field "amount" is given twice`},
		{"case", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","AMOUNT":100}`, `field "AMOUNT": write it as "amount"`},
		{"nested case", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":100,"items":[{"Name":"tea"}]}`, `items[0].Name": write it as "items[0].name"`},
		{"nested duplicate", "/v1/payments", `{"terminal_id":"AB123456","order_number":"42","amount":100,"items":[{"name":"a","name":"b"}]}`, `"items[0].name" is given twice`},
		{"array", "/v1/payments", `[]`, "the body must be a JSON object, not an array"},
		{"string", "/v1/scans", `"22123"`, "the body must be a JSON object, not a string"},
		{"array then object", "/v1/payments", `[]{}`, "the body must be a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, "POST", ts.url+tt.path, tt.body, nil)
			var e ErrorBody
			a.decode(t, &e)
			if a.status != 400 || e.Error.Code != edge.ErrInvalidRequest || !strings.Contains(e.Error.Message, tt.want) {
				t.Errorf("%d %s; want 400 invalid_request saying %q", a.status, a.body, tt.want)
			}
		})
	}
}

// TestStalledBodyNamesTheTimeout: a POS that sends the headers and then
// stops gets invalid_request naming the read timeout, not "not JSON".
func TestStalledBodyNamesTheTimeout(t *testing.T) {
	ts := startServer(t, newFakeEngine("AB123456"), func(c *Config, tm *timeouts, _ *bool) { tm.read = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", ts.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"terminal_id\":", testToken)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 400 || !strings.Contains(string(b), edge.ErrInvalidRequest) || !strings.Contains(string(b), "300ms") || !strings.Contains(string(b), "read timeout") {
		t.Errorf("stalled body: %d %s", res.StatusCode, b)
	}
}
