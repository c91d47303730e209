package providers

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A wallet's client keeps a connection per busy dispatch worker: eight
// workers sending round after round dial about eight connections, not
// one per request past Go's default of two idle per host.
func TestClientKeepsAConnectionPerWorker(t *testing.T) {
	var dialled atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(2 * time.Millisecond) // the workers overlap
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := Env{}.Client(5 * time.Second)
	const workers, rounds = 8, 20
	for range rounds {
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := c.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		wg.Wait()
	}
	if n := dialled.Load(); n > 2*workers {
		t.Fatalf("%d requests dialled %d connections: idle connections are not kept for %d workers", workers*rounds, n, workers)
	}
	t.Logf("%d requests, %d connections", workers*rounds, dialled.Load())
}
