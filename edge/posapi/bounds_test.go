package posapi

import (
	"context"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/edge"
)

func openStream(t *testing.T, ts *testServer) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return res, cancel
}

// The event streams are capped: one past the cap is refused at once
// (429 too_many_streams), and a stream closed frees its place.
func TestEventStreamsAreCapped(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, func(_ *Config, tm *timeouts, _ *bool) { tm.streams = 3 })
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	for i := 0; i < 3; i++ {
		res, cancel := openStream(t, ts)
		cancels = append(cancels, cancel)
		if res.StatusCode != 200 {
			t.Fatalf("stream %d: %d", i, res.StatusCode)
		}
	}
	res, cancel := openStream(t, ts)
	a := answer{status: res.StatusCode}
	cancel()
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("a fourth stream: %d, want 429", a.status)
	}
	cancels[0]()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, cancel := openStream(t, ts)
		cancels = append(cancels, cancel)
		if res.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed stream did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A POS that stops reading its stream is dropped after the write
// timeout instead of holding a goroutine and a subscription for ever.
func TestStalledStreamIsDropped(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, func(_ *Config, tm *timeouts, _ *bool) {
		tm.write = 200 * time.Millisecond
		tm.heartbeat = time.Hour
	})
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	if _, err := c.Write([]byte("GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + testToken + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	for eng.subscribers() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	big := strings.Repeat("x", 64<<10)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if eng.subscribers() == 0 {
				return
			}
			// Not eng.publish: it waits on a full channel while holding
			// the lock the unsubscribe needs.
			eng.mu.Lock()
			for ch := range eng.subs {
				select {
				case ch <- edge.Event{Type: "device", At: eng.now, Data: map[string]string{"reason": big}}:
				default:
				}
			}
			eng.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for eng.subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a stream whose reader stopped was still held after 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Refused requests (here 300 with a wrong token, as a drive-by page would
// send) are logged in full once per interval and otherwise summed up in
// one line per interval: an attacker cannot rotate the log's history out.
func TestRefusedRequestsAreLoggedInSummary(t *testing.T) {
	eng := newFakeEngine("AB123456")
	ts := startServer(t, eng, func(_ *Config, tm *timeouts, _ *bool) { tm.refusedLog = 300 * time.Millisecond })
	start := time.Now()
	for i := 0; i < 300; i++ {
		call(t, "POST", ts.url+"/v1/payments", checkout, map[string]string{"Authorization": "Bearer wrong"})
	}
	windows := int(time.Since(start)/(300*time.Millisecond)) + 1
	count := regexp.MustCompile(`"unauthorized":(\d+)`)
	var full, summaries, summed int
	deadline := time.Now().Add(5 * time.Second)
	for {
		full, summaries, summed = 0, 0, 0
		for _, line := range strings.Split(ts.log.String(), "\n") {
			switch {
			case strings.Contains(line, `"status":401`):
				full++
			case strings.Contains(line, "POS API refused requests"):
				summaries++
				if m := count.FindStringSubmatch(line); m != nil {
					n, _ := strconv.Atoi(m[1])
					summed += n
				}
			}
		}
		if full+summed == 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if full+summed != 300 {
		t.Fatalf("%d lines in full and %d summed: %d of 300 refusals accounted for", full, summed, full+summed)
	}
	if summaries == 0 || full > windows {
		t.Errorf("%d refusals logged in full (%d summaries) over %d intervals: want at most one per interval", full, summaries, windows)
	}
}
