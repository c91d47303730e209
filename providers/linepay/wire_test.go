package linepay_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers"
	"github.com/scanpay/scanpay/providers/linepay"
)

// The Payment request as it leaves, against a golden file: the
// reference's six fields, nothing else; the channel and device headers.
func TestPayRequestGolden(t *testing.T) {
	var body []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		hdr = r.Header.Clone()
		_, _ = w.Write([]byte(`{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":2026120700000000001,"orderId":"POS-0007-1A2B3C4D","payInfo":[{"method":"BALANCE","amount":160}]}}`))
	}))
	defer srv.Close()
	cfg := &linepay.Config{BaseURL: srv.URL, ChannelID: "1234567890", ChannelSecret: "s3cr3t"}
	if err := cfg.Provision(providers.Env{}); err != nil {
		t.Fatal(err)
	}
	w, err := cfg.Open(providers.Env{})
	if err != nil {
		t.Fatal(err)
	}
	req := providers.PayRequest{TerminalID: "LANE-01", OrderNumber: "POS-0007", Amount: 160, Code: "381311008781708305",
		Items: []providers.Item{{Name: "紅茶", Quantity: 2, UnitPrice: 80, Subtotal: 160}},
		Ref:   providers.Ref{linepay.RefOrderID: "POS-0007-1A2B3C4D"}}
	out := w.Pay(context.Background(), req)
	if out.Kind != providers.Approved || out.TransactionID != "2026120700000000001" {
		t.Fatalf("%+v (the 19-digit id must survive as text)", out)
	}
	var pretty map[string]any
	if err := json.Unmarshal(body, &pretty); err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(pretty, "", "  ")
	golden := filepath.Join("testdata", "pay_request.golden.json")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		_ = os.WriteFile(golden, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != string(got) {
		t.Fatalf("pay body:\n%s\nwant:\n%s", got, want)
	}
	for k, v := range map[string]string{"Content-Type": "application/json; charset=UTF-8", "X-Line-Channelid": "1234567890",
		"X-Line-Channelsecret": "s3cr3t", "X-Line-Merchantdeviceprofileid": "LANE-01", "X-Line-Merchantdevicetype": "POS"} {
		if hdr.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, hdr.Get(k), v)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		in, wantErr, wantID string
	}{
		{`{"returnCode":"0000","info":{"transactionId":9223372036854775808}}`, "", "9223372036854775808"},
		{`{"returnCode":"0000","info":{"transactionId":"2026120700000000001"}}`, "", "2026120700000000001"},
		{`{"returnCode":"1172","returnMessage":"dup"}`, "", ""},
		{`{"returnCode":"00"}`, "4 digits", ""},
		{`{"returnCode":"0000","info":{"transactionId":1.5}}`, "whole number", ""},
		{`<html>`, "not JSON", ""},
		{`{"returnCode":"0000"} {}`, "more than one", ""},
	}
	for _, tc := range tests {
		a, err := linepay.ParseAnswer([]byte(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if a.Info != nil && string(a.Info.TransactionID) != tc.wantID {
			t.Errorf("%s: id %q", tc.in, a.Info.TransactionID)
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte(`{"returnCode":"0000","returnMessage":"Success.","info":{"transactionId":2026120700000000001,"orderId":"A-1","payInfo":[{"method":"BALANCE","amount":1}]}}`))
	f.Add([]byte(`{"returnCode":"0000","info":{"status":"COMPLETE"}}`))
	f.Add([]byte(`{"returnCode":"1150","returnMessage":"-"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := linepay.ParseAnswer(b)
		if err != nil {
			return
		}
		if len(a.ReturnCode) != 4 {
			t.Fatalf("accepted returnCode %q", a.ReturnCode)
		}
		if a.Info != nil {
			for _, c := range string(a.Info.TransactionID) {
				if c < '0' || c > '9' {
					t.Fatalf("accepted a transactionId with %q", c)
				}
			}
		}
	})
}
