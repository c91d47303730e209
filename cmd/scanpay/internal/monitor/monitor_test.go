package monitor

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test binary doubles as the monitored daemon: with envRole set it
// behaves as the child the test asks for.
const envRole = "MONITOR_TEST_ROLE"

func TestMain(m *testing.M) {
	if role := os.Getenv(envRole); role != "" {
		os.Exit(child(role))
	}
	os.Exit(m.Run())
}

// child: "panic-once" panics in a worker goroutine on its first start (as
// counted in the file $MONITOR_TEST_COUNT) and then serves until stopped;
// "exit3" exits with 3 at once.
func child(role string) int {
	switch role {
	case "exit3":
		fmt.Fprintln(os.Stderr, "another scanpay holds the journal")
		return 3
	case "panic-once":
		countFile := os.Getenv("MONITOR_TEST_COUNT")
		b, _ := os.ReadFile(countFile)
		n, _ := strconv.Atoi(string(b))
		n++
		if err := os.WriteFile(countFile, []byte(strconv.Itoa(n)), 0o600); err != nil {
			return 1
		}
		ctx, cancel := StopOnStdinClose(context.Background())
		defer cancel()
		fmt.Fprintf(os.Stderr, "level=INFO msg=started run=%d\n", n)
		if n == 1 {
			go func() { panic("worker exploded") }() // a goroutine no recover in main could catch
			time.Sleep(5 * time.Second)
			return 0
		}
		<-ctx.Done()
		fmt.Fprintln(os.Stderr, "level=INFO msg=stopped cleanly")
		return 0
	}
	return 1
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func selfCommand(t *testing.T, role string, env ...string) func() *exec.Cmd {
	return func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), append(env, envRole+"="+role)...)
		return cmd
	}
}

func TestPanicIsLoggedAndTheDaemonRestarted(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	var stderr, logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := Run(ctx, Options{
			Command:    selfCommand(t, "panic-once", "MONITOR_TEST_COUNT="+count),
			PanicDir:   dir,
			Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
			Stderr:     &stderr,
			MinBackoff: 10 * time.Millisecond,
			Final:      func(code int) bool { return code == 0 || code == 3 },
		})
		done <- result{code, err}
	}()

	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "started run=2") {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon was not restarted; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	r := <-done
	if r.err != nil || r.code != 0 {
		t.Fatalf("Run = %d, %v; want 0, nil", r.code, r.err)
	}
	if !strings.Contains(stderr.String(), "stopped cleanly") {
		t.Errorf("the child was not stopped through its stdin; stderr:\n%s", stderr.String())
	}
	logsFound, _ := filepath.Glob(filepath.Join(dir, "panic-*.log"))
	if len(logsFound) != 1 {
		t.Fatalf("panic logs: %v, want exactly one", logsFound)
	}
	b, err := os.ReadFile(logsFound[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "panic: worker exploded") || !strings.Contains(string(b), "goroutine ") {
		t.Errorf("panic log does not hold the panic and its stack:\n%s", b)
	}
	if !strings.Contains(logs.String(), "panic_log="+logsFound[0]) {
		t.Errorf("the monitor's log line does not name the panic log:\n%s", logs.String())
	}
}

func TestFinalExitCodeIsNotRestarted(t *testing.T) {
	dir := t.TempDir()
	code, err := Run(context.Background(), Options{
		Command:    selfCommand(t, "exit3"),
		PanicDir:   dir,
		Logger:     slog.New(slog.DiscardHandler),
		MinBackoff: 10 * time.Millisecond,
		Final:      func(code int) bool { return code == 0 || code == 3 },
	})
	if err != nil || code != 3 {
		t.Fatalf("Run = %d, %v; want 3, nil", code, err)
	}
	if logs, _ := filepath.Glob(filepath.Join(dir, "panic-*.log")); len(logs) != 0 {
		t.Errorf("a clean refusal wrote panic logs: %v", logs)
	}
}

func TestWritePanicLog(t *testing.T) {
	now := time.Date(2026, 11, 21, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		stderr string
		want   string // "" = no file
	}{
		{"level=INFO msg=hi\n", ""},
		{"level=INFO msg=hi\npanic: boom\n\ngoroutine 1 [running]:\n", "panic: boom\n\ngoroutine 1 [running]:\n"},
		{"fatal error: concurrent map writes\n", "fatal error: concurrent map writes\n"},
		{"x\npanic: a\nmore\nfatal error: b\n", "fatal error: b\n"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		path, err := writePanicLog(dir, []byte(tt.stderr), now)
		if err != nil {
			t.Fatal(err)
		}
		if tt.want == "" {
			if path != "" {
				t.Errorf("%q: wrote %s, want nothing", tt.stderr, path)
			}
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%q: %v", tt.stderr, err)
		}
		if string(b) != tt.want {
			t.Errorf("%q: log %q, want %q", tt.stderr, b, tt.want)
		}
	}
}

// FuzzWritePanicLog: whatever the daemon's stderr held, a panic log is
// written exactly when it holds a panic, and it starts at the panic.
func FuzzWritePanicLog(f *testing.F) {
	f.Add([]byte("level=INFO msg=hi\npanic: boom\n\ngoroutine 1 [running]:\n"))
	f.Add([]byte("fatal error: concurrent map writes\n"))
	f.Add([]byte("no panic here\n"))
	dir := f.TempDir()
	now := time.Date(2026, 11, 21, 21, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, stderr []byte) {
		path, err := writePanicLog(dir, stderr, now)
		if err != nil {
			t.Fatal(err)
		}
		has := bytes.HasPrefix(stderr, []byte("panic: ")) || bytes.HasPrefix(stderr, []byte("fatal error: ")) ||
			bytes.Contains(stderr, []byte("\npanic: ")) || bytes.Contains(stderr, []byte("\nfatal error: "))
		if (path != "") != has {
			t.Fatalf("panic log %q for stderr %q", path, stderr)
		}
		if path == "" {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(stderr, b) || !(bytes.HasPrefix(b, []byte("panic: ")) || bytes.HasPrefix(b, []byte("fatal error: "))) {
			t.Fatalf("panic log %q is not the panic part of %q", b, stderr)
		}
	})
}
