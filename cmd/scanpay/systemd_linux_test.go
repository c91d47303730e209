//go:build linux

package main

import (
	"bytes"
	bin "encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// journalEntry decodes one datagram of journald's native protocol:
// KEY=value lines, or KEY\n<64-bit little-endian length><value>\n.
func journalEntry(t *testing.T, b []byte) map[string]string {
	t.Helper()
	e := map[string]string{}
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			t.Fatalf("a journal datagram without a final newline: %q", b)
		}
		line := b[:nl]
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			e[string(k)] = string(v)
			b = b[nl+1:]
			continue
		}
		rest := b[nl+1:]
		n := bin.LittleEndian.Uint64(rest[:8])
		e[string(line)] = string(rest[8 : 8+n])
		b = rest[8+n+1:]
	}
	return e
}

// TestBinaryUnderSystemd runs the real binary as systemd would run the
// packaged unit, with fake notify and journal sockets: no monitor (the
// daemon itself is the main PID that says READY=1), READY=1 only once
// the POS API answers, WATCHDOG=1 pings, STOPPING=1 on SIGTERM, and every
// log line a structured journal entry with no payment code or token in it
// and nothing written to stderr or a log file.
func TestBinaryUnderSystemd(t *testing.T) {
	dir := t.TempDir()
	journalSock := filepath.Join(dir, "journal.sock")
	// go-systemd's journal socket path is settable at link time only.
	exe := filepath.Join(dir, "scanpay")
	build := exec.Command("go", "build", "-o", exe, "-ldflags", "-X github.com/coreos/go-systemd/v22/journal.journalSocket="+journalSock, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	listen := func(name string) *net.UnixConn {
		c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, name), Net: "unixgram"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	notify, jsock := listen("notify.sock"), listen("journal.sock")
	// SO_PASSCRED: each message says which process sent it.
	rc, err := notify.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PASSCRED, 1)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}

	// systemd connects stderr to the journal and says so in JOURNAL_STREAM.
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(stderr.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	data := filepath.Join(dir, "data")
	cmd := exec.Command(exe, "run", "--sandbox", "--data-dir", data, "--listen", addr)
	cmd.Stderr = stderr
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+filepath.Join(dir, "notify.sock"), "INVOCATION_ID=0f1e2d3c4b5a69788796a5b4c3d2e1f0",
		"WATCHDOG_USEC=400000", fmt.Sprintf("JOURNAL_STREAM=%d:%d", st.Dev, st.Ino))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	}()

	// next is the next notify message and the PID that sent it.
	next := func() (string, int32) {
		buf, oob := make([]byte, 512), make([]byte, 512)
		notify.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, oobn, _, _, err := notify.ReadMsgUnix(buf, oob)
		if err != nil {
			t.Fatalf("no notify message: %v", err)
		}
		msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
		if err != nil || len(msgs) != 1 {
			t.Fatalf("no sender credentials: %v", err)
		}
		cred, err := syscall.ParseUnixCredentials(&msgs[0])
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n]), cred.Pid
	}
	msg, pid := next()
	if msg != "READY=1" || int(pid) != cmd.Process.Pid {
		t.Fatalf("first notify %q from pid %d, want READY=1 from the main pid %d", msg, pid, cmd.Process.Pid)
	}
	token, err := os.ReadFile(filepath.Join(data, "api-token"))
	if err != nil {
		t.Fatalf("READY=1 before the API's token exists: %v", err)
	}
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("READY=1 said, but the API does not answer: %v", err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, _ := call("GET", "/healthz", ""); code != 200 {
		t.Fatalf("healthz %d after READY=1", code)
	}
	if msg, pid = next(); msg != "WATCHDOG=1" || int(pid) != cmd.Process.Pid {
		t.Fatalf("then %q from pid %d, want WATCHDOG=1 from %d", msg, pid, cmd.Process.Pid)
	}

	const code = "22A234567890123456"
	if status, body := call("POST", "/v1/payments?wait=20s", `{"terminal_id":"AB123456","order_number":"J-1","amount":100,"barcode":"`+code+`"}`); status != 201 || !strings.Contains(body, `"state":"approved"`) {
		t.Fatalf("pay: %d %s", status, body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for {
		msg, _ := next()
		if msg == "STOPPING=1" {
			break
		}
		if msg != "WATCHDOG=1" {
			t.Fatalf("before stopping: %q", msg)
		}
	}
	stopped = true
	if err := <-exited; err != nil {
		t.Fatalf("scanpay run: %v", err)
	}

	var entries []map[string]string
	buf := make([]byte, 1<<16)
	for {
		jsock.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := jsock.Read(buf)
		if err != nil {
			break
		}
		if bytes.Contains(buf[:n], []byte(code)) || bytes.Contains(buf[:n], bytes.TrimSpace(token)) {
			t.Errorf("the journal got the payment code or the token: %q", buf[:n])
		}
		entries = append(entries, journalEntry(t, buf[:n]))
	}
	seen := map[string]map[string]string{}
	for _, e := range entries {
		if e["SYSLOG_IDENTIFIER"] != "scanpay" || e["SCANPAY_MODE"] != "SANDBOX" || e["PRIORITY"] == "" {
			t.Errorf("an entry without its identifier, mode or priority: %v", e)
		}
		seen[e["MESSAGE"]] = e
	}
	for _, want := range []string{"scanpay started", "scanpay stopped"} {
		if seen[want] == nil {
			t.Errorf("the journal lacks %q: %v", want, entries)
		}
	}
	if b, _ := os.ReadFile(stderr.Name()); len(b) != 0 {
		t.Errorf("stderr got %q: under systemd the log goes to the journal", b)
	}
	if _, err := os.Stat(filepath.Join(data, "logs")); !os.IsNotExist(err) {
		t.Errorf("a log folder was made under systemd: %v", err)
	}
}
