package monitor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// EnvChild is set in the child's environment. A child that sees it stops
// when its stdin closes: that is how the monitor asks it to stop, on every
// OS (Windows has no SIGTERM to forward).
const EnvChild = "SCANPAY_MONITORED"

// Options configures Run.
type Options struct {
	// Command builds the child process, fresh for every start. Run sets its
	// Stdin, Stderr and adds EnvChild to its environment.
	Command func() *exec.Cmd
	// PanicDir receives panic-<time>.log files.
	PanicDir string
	Logger   *slog.Logger
	// Stderr receives a copy of the child's stderr (its console log); nil
	// discards it.
	Stderr io.Writer
	// MinBackoff and MaxBackoff bound the wait before a restart; the wait
	// doubles after each crash and resets after a child ran for Healthy.
	MinBackoff, MaxBackoff, Healthy time.Duration
	// StopTimeout is how long a child may take to stop after its stdin
	// closed before it is killed.
	StopTimeout time.Duration
	// Final reports exit codes after which the child must not be started
	// again (a clean stop, a configuration error, a locked journal).
	Final func(code int) bool
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Minute
	}
	if o.Healthy <= 0 {
		o.Healthy = 5 * time.Minute
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 30 * time.Second
	}
	if o.Final == nil {
		o.Final = func(code int) bool { return code == 0 }
	}
}

// Run starts the child and restarts it after every crash until ctx ends or
// the child exits with a final code. It returns the child's last exit code.
func Run(ctx context.Context, o Options) (int, error) {
	o.defaults()
	backoff := o.MinBackoff
	for {
		started := time.Now()
		code, tail, err := runOnce(ctx, o)
		if err != nil {
			return 1, err
		}
		if ctx.Err() != nil || o.Final(code) {
			return code, nil
		}
		if time.Since(started) >= o.Healthy {
			backoff = o.MinBackoff
		}
		attrs := []any{"exit_code", code, "restart_in", backoff.String()}
		if path, err := writePanicLog(o.PanicDir, tail, time.Now()); err != nil {
			attrs = append(attrs, "panic_log_error", err)
		} else if path != "" {
			attrs = append(attrs, "panic_log", path)
		}
		o.Logger.Error("the daemon stopped unexpectedly; starting it again", attrs...)
		select {
		case <-ctx.Done():
			return code, nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, o.MaxBackoff)
	}
}

// runOnce runs one child to its end and returns its exit code and the tail
// of its stderr.
func runOnce(ctx context.Context, o Options) (int, []byte, error) {
	cmd := o.Command()
	cmd.Env = append(cmdEnv(cmd), EnvChild+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 1, nil, fmt.Errorf("monitor: %w", err)
	}
	tail := &tailBuffer{max: 512 << 10}
	cmd.Stderr = io.MultiWriter(o.Stderr, tail)
	if err := cmd.Start(); err != nil {
		return 1, nil, fmt.Errorf("monitor: cannot start the daemon %s: %w", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-ctx.Done():
		stdin.Close() // asks the child to stop
		select {
		case werr = <-done:
		case <-time.After(o.StopTimeout):
			o.Logger.Warn("the daemon did not stop in time; killing it", "timeout", o.StopTimeout.String())
			_ = cmd.Process.Kill()
			werr = <-done
		}
	}
	stdin.Close()
	var exit *exec.ExitError
	switch {
	case werr == nil:
		return 0, tail.Bytes(), nil
	case errors.As(werr, &exit):
		code := exit.ExitCode()
		if code < 0 { // killed by a signal
			code = 1
		}
		return code, tail.Bytes(), nil
	}
	return 1, tail.Bytes(), fmt.Errorf("monitor: waiting for the daemon: %w", werr)
}

func cmdEnv(cmd *exec.Cmd) []string {
	if cmd.Env != nil {
		return cmd.Env
	}
	return os.Environ()
}

// writePanicLog writes the panic part of stderr to a file, when there is
// one. It returns "" when the child did not die of a panic.
func writePanicLog(dir string, stderr []byte, now time.Time) (string, error) {
	i := bytes.LastIndex(stderr, []byte("\npanic: "))
	if j := bytes.LastIndex(stderr, []byte("\nfatal error: ")); j > i {
		i = j
	}
	if i < 0 {
		switch {
		case bytes.HasPrefix(stderr, []byte("panic: ")), bytes.HasPrefix(stderr, []byte("fatal error: ")):
			i = 0
		default:
			return "", nil
		}
	} else {
		i++ // skip the newline
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create %s for the panic log: %w", dir, err)
	}
	path := filepath.Join(dir, "panic-"+now.UTC().Format("20060102-150405.000")+".log")
	if err := os.WriteFile(path, stderr[i:], 0o600); err != nil {
		return "", fmt.Errorf("cannot write the panic log: %w", err)
	}
	return path, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}

// StopOnStdinClose returns a context that ends when ctx ends or, in a
// monitored child, when the monitor closes the child's stdin.
func StopOnStdinClose(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if os.Getenv(EnvChild) == "" {
		return ctx, cancel
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	return ctx, cancel
}
