package jkopaytest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/jkopay"
	"github.com/scanpay/scanpay/providers/jkopay/jkopaytest"
	"github.com/scanpay/scanpay/providers/wallettest"
)

// signedPayment is a valid Payment body for sim, with one change applied
// after (resign true) or before the signature.
func signedPayment(t *testing.T, sim *jkopaytest.Sim, code string, change func(jkopay.Payload), resign bool) string {
	t.Helper()
	now := time.Now()
	p := jkopay.Payload{
		"MerchantID": jkopaytest.MerchantID, "StoreID": jkopaytest.StoreID, "StoreName": jkopaytest.StoreName,
		"GatewayTradeNo": "", "MerchantTradeNo": "T" + now.Format("150405.000000"), "PosID": "1",
		"PosTradeTime": jkopay.TradeTime(now), "CardToken": code, "TradeAmount": int64(10), "UnRedeem": int64(0),
		"Remark": "", "Extra1": "", "Extra2": "", "Extra3": "", "SendTime": jkopay.SendTime(now),
	}
	if resign && change != nil {
		change(p)
	}
	sig, err := jkopay.Sign(p, sim.MerchantKey())
	if err != nil {
		t.Fatal(err)
	}
	p["Sign"] = sig
	if !resign && change != nil {
		change(p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(t *testing.T, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, v
}

// TestStrictness: the simulator refuses what JKOPay would, with JKOPay's
// code, and charges nothing.
func TestStrictness(t *testing.T) {
	sim := jkopaytest.New(wallettest.Options{})
	defer sim.Close()
	const ct = "application/json"
	tests := []struct {
		name string
		body func() string
		ct   string
		want string
	}{
		{"valid", func() string { return signedPayment(t, sim, sim.IssueCode(), nil, false) }, ct, "000"},
		{"not JSON", func() string { return "TradeAmount=10" }, ct, "905"},
		{"two objects", func() string { return "{}{}" }, ct, "905"},
		{"form content type", func() string { return signedPayment(t, sim, sim.IssueCode(), nil, false) }, "application/x-www-form-urlencoded", "905"},
		{"missing field", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { delete(p, "Extra2") }, true)
		}, ct, "804"},
		{"unknown field", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["Tip"] = "" }, true)
		}, ct, "905"},
		{"amount as string", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["TradeAmount"] = "10" }, true)
		}, ct, "905"},
		{"too long", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["PosID"] = strings.Repeat("1", 21) }, true)
		}, ct, "905"},
		{"time format", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["PosTradeTime"] = "2026-01-01 10:00:00" }, true)
		}, ct, "905"},
		{"changed after signing", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["TradeAmount"] = int64(11) }, false)
		}, ct, "904"},
		{"uppercase signature", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["Sign"] = strings.ToUpper(p["Sign"].(string)) }, false)
		}, ct, "904"},
		{"stranger's store", func() string {
			return signedPayment(t, sim, sim.IssueCode(), func(p jkopay.Payload) { p["StoreID"] = "OTHER" }, true)
		}, ct, "907"},
		{"unissued code", func() string { return signedPayment(t, sim, "22ZZZZZZZZZZZZZZZZ", nil, false) }, ct, "927"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(sim.Ledger())
			status, v := post(t, sim.URL()+"/Payment", tt.ct, tt.body())
			if status != http.StatusOK || v["StatusCode"] != tt.want {
				t.Fatalf("HTTP %d, answer %v; want StatusCode %s", status, v, tt.want)
			}
			charged := len(sim.Ledger()) - before
			if (tt.want == "000") != (charged == 1) {
				t.Fatalf("charged %d for status %s", charged, tt.want)
			}
		})
	}
	if status, _ := post(t, sim.URL()+"/Pay", ct, "{}"); status != http.StatusNotFound {
		t.Fatalf("unknown call: HTTP %d", status)
	}
	resp, err := http.Get(sim.URL() + "/Payment")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: HTTP %d", resp.StatusCode)
	}
}

func TestSandboxAcceptsUnissuedCodes(t *testing.T) {
	sim := jkopaytest.New(wallettest.Options{AcceptUnissued: true})
	defer sim.Close()
	if _, v := post(t, sim.URL()+"/Payment", "application/json", signedPayment(t, sim, "22SANDBOX000000001", nil, false)); v["StatusCode"] != "000" {
		t.Fatalf("answer %v", v)
	}
	if got := sim.Ledger(); len(got) != 1 || got[0].MaskedCode != "22SA…0001" {
		t.Fatalf("ledger %+v", got)
	}
}

// TestHandlerOnOwnServer: the handler serves a listener of the caller's
// choosing (walletsim's separate process), at the root.
func TestHandlerOnOwnServer(t *testing.T) {
	sim := jkopaytest.NewUnstarted(wallettest.Options{})
	defer sim.Close()
	if sim.URL() != "" {
		t.Fatalf("an unstarted simulator has URL %q", sim.URL())
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	cfg := sim.JKOConfig()
	cfg.BaseURL = srv.URL
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	req := providers.PayRequest{TerminalID: "1", OrderNumber: "A1", Amount: 25, Code: sim.IssueCode()}
	if req.Ref, err = w.NewRef(req, time.Now()); err != nil {
		t.Fatal(err)
	}
	if out := w.Pay(context.Background(), req); out.Kind != providers.Approved {
		t.Fatalf("pay through the caller's server = %+v", out)
	}
	if got := sim.Ledger(); len(got) != 1 || got[0].Amount != 25 {
		t.Fatalf("ledger %+v", got)
	}
}
