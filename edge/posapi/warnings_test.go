package posapi

import (
	"encoding/json"
	"testing"

	"github.com/scanpay/scanpay/edge"
)

// A checkout on a lane without a connected scanner is taken, and its
// answer carries the engine's warning, also after a long-poll, and only on
// the checkout's own answer.
func TestCheckoutAnswerCarriesWarnings(t *testing.T) {
	eng := newFakeEngine("AB123456", "CD000001")
	eng.warn = map[string][]edge.Warning{"AB123456": {{Code: edge.WarnNoScanner, Message: "no scanner is connected on lane AB123456"}}}
	ts := startServer(t, eng)
	for _, tt := range []struct {
		name, url, body string
		want            int
	}{
		{"no wait", "/v1/payments", checkout, 1},
		{"long-poll", "/v1/payments?wait=50ms", `{"terminal_id":"AB123456","order_number":"43","amount":100}`, 1},
		{"lane with a scanner", "/v1/payments", `{"terminal_id":"CD000001","order_number":"44","amount":100}`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, "POST", ts.url+tt.url, tt.body, nil)
			if a.status != 201 {
				t.Fatalf("status %d %s, want 201", a.status, a.body)
			}
			var got struct {
				ID       string         `json:"id"`
				Warnings []edge.Warning `json:"warnings"`
			}
			if err := json.Unmarshal(a.body, &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Warnings) != tt.want || (tt.want > 0 && got.Warnings[0].Code != "no_scanner_connected") {
				t.Errorf("warnings %+v, want %d no_scanner_connected", got.Warnings, tt.want)
			}
			b := call(t, "GET", ts.url+"/v1/payments/"+got.ID, "", nil)
			got.Warnings = nil
			if err := json.Unmarshal(b.body, &got); err != nil || len(got.Warnings) != 0 {
				t.Errorf("GET of the payment carries the checkout's warnings: %s", b.body)
			}
		})
	}
}
