package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// execHook runs a command with the receipt JSON on stdin, the delivery's
// ids in SCANPAY_* variables and a minimal environment (see hookEnv).
type execHook struct {
	base
	command []string
	env     []string // names passed on from scanpay's environment
}

// stderrTail is how much of a failing command's stderr goes into the error:
// enough to diagnose, not a log dump.
const stderrTail = 512

func (h *execHook) Deliver(ctx context.Context, r Receipt) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("hook %s: encode receipt: %w", h.name, err)
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	cmd, err := command(ctx, h.command)
	if err != nil {
		return fmt.Errorf("hook %s: %w", h.name, err)
	}
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = hookEnv(runtime.GOOS, h.env, os.LookupEnv, r)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A child that leaves grandchildren holding stderr must not hold the
	// delivery loop forever.
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		tail := strings.TrimSpace(stderr.String())
		if len(tail) > stderrTail {
			tail = "…" + tail[len(tail)-stderrTail:]
		}
		if ctx.Err() != nil {
			return fmt.Errorf("hook %s: %s did not finish within %s: make it faster or raise the hook's timeout: %w", h.name, h.command[0], h.timeout, ctx.Err())
		}
		if tail != "" {
			return fmt.Errorf("hook %s: %s failed (%w); stderr: %s", h.name, h.command[0], err, tail)
		}
		return fmt.Errorf("hook %s: %s failed: %w", h.name, h.command[0], err)
	}
	return nil
}
