//go:build linux

package openapiclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGeneratedClientIsTheDocuments: oapi-codegen, at the version go.mod
// pins, run on docs/openapi.json now, writes client.gen.go byte for byte:
// a change to the document without `go generate ./e2e/openapiclient`
// fails here.
func TestGeneratedClientIsTheDocuments(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "oapi-codegen")
	build := exec.Command("go", "build", "-o", tool, "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build oapi-codegen: %v\n%s", err, out)
	}
	spec, err := filepath.Abs("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := filepath.Abs("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gen := exec.Command(tool, "-config", cfg, spec)
	gen.Dir = dir // the configuration's output, client.gen.go, lands here
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, out)
	}
	fresh, err := os.ReadFile(filepath.Join(dir, "client.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Error("client.gen.go is not what docs/openapi.json generates: run go generate ./e2e/openapiclient and commit it")
	}
}

// sandbox builds the real binary and runs it in SANDBOX on a free port;
// it answers the URL and the token.
func sandbox(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "scanpay")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/scanpay").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, "run", "--sandbox", "--no-monitor", "--data-dir", filepath.Join(dir, "data"), "--listen", addr)
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Errorf("scanpay did not stop\n%s", log.String())
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		token, err := os.ReadFile(filepath.Join(dir, "data", "api-token"))
		if resp, herr := http.Get("http://" + addr + "/healthz"); herr == nil {
			resp.Body.Close()
			if err == nil {
				return "http://" + addr, strings.TrimSpace(string(token))
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("scanpay did not answer: %v\n%s", err, log.String())
		}
	}
}

// TestPayThroughTheGeneratedClient: a POS written against nothing but the
// generated client creates a payment, forwards the scan, waits for the
// outcome, and decodes the stream's payment event with the document's
// Event schema, against the real binary in SANDBOX.
func TestPayThroughTheGeneratedClient(t *testing.T) {
	url, token := sandbox(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	auth := WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
	c, err := NewClientWithResponses(url, auth)
	if err != nil {
		t.Fatal(err)
	}

	types := "payment"
	stream, err := c.Events(ctx, &EventsParams{Types: &types})
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("events: %v %v", stream, err)
	}
	defer stream.Body.Close()
	events := make(chan Event, 16)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var ev Event
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					t.Errorf("an event the schema cannot decode: %v: %s", err, data)
					continue
				}
				events <- ev
			}
		}
	}()

	created, err := c.CreatePaymentWithResponse(ctx, nil, CreateRequest{TerminalId: "AB123456", OrderNumber: "G-1", Amount: 100})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %s", err, created.Body)
	}
	p := *created.JSON201
	if p.State != StateAwaitingScan || p.Final {
		t.Fatalf("created %+v", p)
	}
	scanned, err := c.PostScanWithResponse(ctx, ScanRequest{TerminalId: "AB123456", Code: "22A234567890123456"})
	if err != nil || scanned.JSON200 == nil || scanned.JSON200.Kind != ScanResultKindPayment || scanned.JSON200.PaymentId == nil || *scanned.JSON200.PaymentId != p.Id {
		t.Fatalf("scan: %v %s", err, scanned.Body)
	}
	wait := "30s"
	for !p.Final {
		got, err := c.GetPaymentWithResponse(ctx, p.Id, &GetPaymentParams{Wait: &wait})
		if err != nil || got.JSON200 == nil {
			t.Fatalf("get: %v %s", err, got.Body)
		}
		p = *got.JSON200
	}
	if p.State != StateApproved || p.Answer.TransactionId == nil || *p.Answer.TransactionId == "" {
		t.Fatalf("the payment ended %+v", p)
	}
	for {
		select {
		case ev := <-events:
			if ev.Type != EventTypePayment {
				t.Fatalf("asked for payment events, got %q", ev.Type)
			}
			pe, err := ev.Data.AsPayment()
			if err != nil {
				t.Fatal(err)
			}
			if pe.Id == p.Id && pe.State == StateApproved {
				return
			}
		case <-ctx.Done():
			t.Fatal("the stream announced no approved payment")
		}
	}
}
