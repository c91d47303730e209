package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// webhook POSTs the receipt to a local URL.
type webhook struct {
	base
	url    string
	client *http.Client
}

func newWebhook(b base, url string) *webhook {
	return &webhook{base: b, url: url, client: &http.Client{
		// A redirect could lead off the machine: treat it as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (h *webhook) Deliver(ctx context.Context, r Receipt) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("hook %s: encode receipt: %w", h.name, err)
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("hook %s: %w", h.name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.DeliveryID)
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("hook %s: POST %s: is the receiver running? %w", h.name, h.url, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, stderrTail))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("hook %s: POST %s answered %s: %s", h.name, h.url, resp.Status, strings.TrimSpace(string(snippet)))
	}
	return nil
}
