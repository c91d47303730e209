package posapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// TestNamedPipe: the API answers on the named pipe behind the same token
// as on TCP, and the pipe's access list is the one asked for.
func TestNamedPipe(t *testing.T) {
	if underWine() {
		t.Skip(wineWinioBug)
	}
	name := fmt.Sprintf(`\\.\pipe\scanpay-test-%d`, os.Getpid())
	startServer(t, newFakeEngine("AB123456"), func(c *Config, _ *timeouts, _ *bool) {
		c.Pipe = name
		c.PipeAllow = []string{"S-1-5-32-545"} // BUILTIN\Users
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return winio.DialPipeContext(ctx, name)
	}}}
	for token, want := range map[string]int{testToken: 200, strings.Repeat("0", 64): 401, "": 401} {
		req, _ := http.NewRequest("GET", "http://localhost/v1/devices", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("over the pipe: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("token %.4q over the pipe: %d %s, want %d", token, res.StatusCode, body, want)
		}
	}
	// A second listener on the same name is refused, naming the cause.
	if _, err := listenPipe(name, nil); err == nil || !strings.Contains(err.Error(), "another scanpay") {
		t.Errorf("second listener: %v", err)
	}
}

func TestPipeAllowUnknownAccount(t *testing.T) {
	_, err := listenPipe(`\\.\pipe\scanpay-test-unknown`, []string{"no-such-group-scanpay"})
	if err == nil || !strings.Contains(err.Error(), `api.pipe_allow[0] = "no-such-group-scanpay"`) {
		t.Fatalf("unknown account: %v", err)
	}
}

func TestLookupSID(t *testing.T) {
	for in, want := range map[string]string{"S-1-5-32-545": "S-1-5-32-545", "S-1-5-18": "S-1-5-18"} {
		if got, err := lookupSID(in); err != nil || got != want {
			t.Errorf("lookupSID(%s) = %s, %v", in, got, err)
		}
	}
}

// underWine: Wine's ntdll exports wine_get_version; Windows' does not.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

const wineWinioBug = "Wine 8: a go-winio pipe connects but its overlapped ConnectNamedPipe never completes, so Accept never returns (TestPipeUnderWine shows it; a plain synchronous pipe works there); needs real Windows"

// TestPipeUnderWine is the evidence behind wineWinioBug: under Wine a
// named pipe made and read with plain synchronous calls carries the
// bytes, while a go-winio listener never accepts the same client.
func TestPipeUnderWine(t *testing.T) {
	if !underWine() {
		t.Skip("only under Wine: on Windows TestNamedPipe runs")
	}
	name, _ := windows.UTF16PtrFromString(fmt.Sprintf(`\\.\pipe\scanpay-plain-%d`, os.Getpid()))
	h, err := windows.CreateNamedPipe(name, windows.PIPE_ACCESS_DUPLEX, windows.PIPE_TYPE_BYTE|windows.PIPE_WAIT, 1, 4096, 4096, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	got := make(chan string, 1)
	go func() {
		if err := windows.ConnectNamedPipe(h, nil); err != nil && err != windows.ERROR_PIPE_CONNECTED {
			got <- "connect: " + err.Error()
			return
		}
		b := make([]byte, 5)
		var n uint32
		if err := windows.ReadFile(h, b, &n, nil); err != nil {
			got <- "read: " + err.Error()
			return
		}
		got <- string(b[:n])
	}()
	c, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(c)
	var n uint32
	if err := windows.WriteFile(c, []byte("hello"), &n, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "hello" {
			t.Fatalf("plain pipe: %s", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("plain pipe: nothing within 5s")
	}

	wname := fmt.Sprintf(`\\.\pipe\scanpay-winio-%d`, os.Getpid())
	ln, err := winio.ListenPipe(wname, nil)
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	wc, err := winio.DialPipe(wname, nil)
	if err != nil {
		t.Fatalf("go-winio dial: %v", err)
	}
	defer wc.Close()
	select {
	case err := <-accepted:
		t.Logf("go-winio accepted (err %v): this Wine is fixed, TestNamedPipe may run here", err)
	case <-time.After(3 * time.Second):
		t.Logf("go-winio: the client connected, Accept did not return within 3s: %s", wineWinioBug)
	}
	ln.Close()
}
