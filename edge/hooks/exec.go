package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// execHook runs a command with the receipt JSON on stdin.
type execHook struct {
	base
	command []string
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
	cmd := exec.CommandContext(ctx, h.command[0], h.command[1:]...)
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(cmd.Environ(),
		"SCANPAY_DELIVERY_ID="+r.DeliveryID,
		"SCANPAY_PAYMENT_ID="+r.PaymentID,
		"SCANPAY_STATE="+string(r.State),
		"SCANPAY_REFUND_ID="+r.RefundID,
	)
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
