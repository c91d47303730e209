package main

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/posclient"
	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/providers/wallettest"
	"github.com/scanpay/scanpay/store"
)

func faults(f wallettest.Fault, n int) []wallettest.Fault {
	out := make([]wallettest.Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// TestSettleAgainstARunningDaemon: a supervisor settles, with `scanpay
// settle`, an iPass payment that search cannot find and whose void iPass
// refuses, and a JKOPay refund refused on every resend, against a real
// SANDBOX daemon over HTTP.
func TestSettleAgainstARunningDaemon(t *testing.T) {
	ctx := t.Context()
	d, cfg := sandboxDaemon(t, edge.Config{Resolve: edge.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond}}, io.Discard)
	api := []string{"--addr", d.Addr(), "--token-file", cfg.API.TokenFile}
	settle := func(args ...string) (int, string, string) {
		t.Helper()
		return invoke(t, nil, append(append([]string{"settle"}, args...), api...)...)
	}
	cl := posclient.New(d.Addr(), d.Token())

	ipass := d.Simulators()["ipass"]
	ipass.Inject(wallettest.CallPay, wallettest.Fault{Kind: wallettest.DropBeforeCharge})
	ipass.Inject(wallettest.CallVoid, faults(wallettest.Fault{Kind: wallettest.Decline, Code: "0001"}, 1000)...)
	rc, out, errOut := invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "S-1", "--amount", "100", "--code", ipass.IssueCode(), "--wait", "500ms", "--json"}, api...)...)
	var v edge.PaymentView
	if rc != exitPending || json.Unmarshal([]byte(out), &v) != nil || v.State != store.Unknown {
		t.Fatalf("pay: exit %d, want %d with the payment unknown\n%s%s", rc, exitPending, out, errOut)
	}

	if rc, _, errOut := settle(v.ID, "--as", "declined"); rc != exitUsage || !strings.Contains(errOut, "--note") {
		t.Errorf("without --note: exit %d %s", rc, errOut)
	}
	if rc, _, errOut := settle("--as", "declined", "--note", "x"); rc != exitUsage || !strings.Contains(errOut, "--refund") {
		t.Errorf("without an id: exit %d %s", rc, errOut)
	}
	if rc, _, errOut := settle(v.ID, "--as", "approved", "--note", "x"); rc != exitUsage || !strings.Contains(errOut, "transaction_id") {
		t.Errorf("approved without a transaction: exit %d %s", rc, errOut)
	}
	rc, out, errOut = settle(v.ID, "--as", "declined", "--note", "iPass portal: order S-1 not found — J. Chen")
	if rc != exitOK || !strings.Contains(out, "state declined") || !strings.Contains(out, "settled by an operator: iPass portal: order S-1 not found — J. Chen") {
		t.Fatalf("settle: exit %d\n%s%s", rc, out, errOut)
	}
	// Flags before the payment id (and the API flags after it).
	rc, _, errOut = settle("--as", "declined", "--note", "again", v.ID)
	if rc != exitUsage || !strings.Contains(errOut, "409 conflict") || !strings.Contains(errOut, "declined") {
		t.Errorf("settling a declined payment: exit %d %s", rc, errOut)
	}

	// A refund whose answer was lost and whose resends JKOPay refuses (812).
	jko := d.Simulators()["jkopay"]
	rc, out, errOut = invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "S-2", "--amount", "100", "--code", jko.IssueCode(), "--json"}, api...)...)
	if rc != exitOK || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("pay: exit %d\n%s%s", rc, out, errOut)
	}
	jko.Inject(wallettest.CallRefund, wallettest.Fault{Kind: wallettest.DropAfterCharge})
	jko.Inject(wallettest.CallRefund, faults(wallettest.Fault{Kind: wallettest.Decline, Code: "812"}, 1000)...)
	qctx, qcancel := context.WithTimeout(ctx, 200*time.Millisecond)
	cl.Refund(qctx, v.ID, 30) // its answer is not awaited: the refund is found below
	qcancel()
	var rfID string
	for deadline := time.Now().Add(20 * time.Second); rfID == ""; time.Sleep(20 * time.Millisecond) {
		p, err := cl.Payment(ctx, v.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Refunds) == 1 && p.Refunds[0].State == store.RefundUnknown && p.Refunds[0].Answer.Code == "812" {
			rfID = p.Refunds[0].ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refund never became unknown: %+v", p.Refunds)
		}
	}
	rc, out, errOut = settle("--refund", rfID, "--as", "succeeded", "--transaction", "R-77", "--note", "JKOPay portal shows the refund — J. Chen")
	if rc != exitOK || !strings.Contains(out, "state succeeded") || !strings.Contains(out, "R-77") {
		t.Fatalf("settle --refund: exit %d\n%s%s", rc, out, errOut)
	}
	if p, err := cl.Payment(ctx, v.ID, 0); err != nil || p.RefundedAmount != 30 {
		t.Errorf("payment after the settled refund: refunded %d, %v", p.RefundedAmount, err)
	}
	if rc, _, errOut = settle(v.ID, "--refund", rfID, "--as", "failed", "--note", "x"); rc != exitUsage || !strings.Contains(errOut, "not both") {
		t.Errorf("a payment and a refund: exit %d %s", rc, errOut)
	}
	if rc, _, errOut = settle(v.ID, "--as", "reversed", "--note", "x"); rc != exitUsage || !strings.Contains(errOut, "not reversing") {
		t.Errorf("settling an approved payment as reversed: exit %d %s", rc, errOut)
	}

	// A cancelled payment whose void and refund EasyWallet both refuses
	// stays reversing; the supervisor gives it back by hand in the portal.
	ew := d.Simulators()["easywallet"]
	rc, out, errOut = invoke(t, nil, append([]string{"pay", "--terminal", "AB123456", "--order", "S-3", "--amount", "100", "--code", ew.IssueCode(), "--json"}, api...)...)
	var rv edge.PaymentView
	if rc != exitOK || json.Unmarshal([]byte(out), &rv) != nil {
		t.Fatalf("pay: exit %d\n%s%s", rc, out, errOut)
	}
	for _, call := range []string{wallettest.CallVoid, wallettest.CallCancel, wallettest.CallRefund} {
		ew.Inject(call, faults(wallettest.Fault{Kind: wallettest.Decline, Code: "E0001"}, 1000)...)
	}
	if c, err := cl.Cancel(ctx, rv.ID); err != nil || c.State != store.Reversing {
		t.Fatalf("cancel: %s, %v; want reversing", c.State, err)
	}
	command := "scanpay settle " + rv.ID + " --as reversed"
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := cl.Status(ctx)
		if err == nil && slices.ContainsFunc(st.Problems, func(p string) bool { return strings.Contains(p, command) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no problem names %q: %+v, %v", command, st.Problems, err)
		}
	}
	rc, out, errOut = settle(rv.ID, "--as", "reversed", "--note", "refunded S-3 by hand in the EasyWallet portal — J. Chen")
	if rc != exitOK || !strings.Contains(out, "reversed") {
		t.Fatalf("settle --as reversed: exit %d\n%s%s", rc, out, errOut)
	}
	if p, err := cl.Payment(ctx, rv.ID, 0); err != nil || p.State != store.Reversed || !p.Final {
		t.Errorf("payment after the settled reversal: %s, %v", p.State, err)
	}
	if rc, _, _ = invoke(t, nil, "settle", v.ID, "--as", "declined", "--note", "x", "--addr", "127.0.0.1:1", "--token-file", cfg.API.TokenFile); rc != exitUnreachable {
		t.Errorf("no daemon: exit %d, want %d", rc, exitUnreachable)
	}
}
