package gatewaytest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers/gateway/gatewaytest"
)

type order struct {
	No     string `json:"no"`
	Amount int64  `json:"amount"`
	Note   string `json:"note,omitempty"`
}

func TestUnmarshalStrict(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"ok", `{"no":"A1","amount":10}`, ""},
		{"ok with optional", `{"no":"A1","amount":10,"note":"x"}`, ""},
		{"missing", `{"no":"A1"}`, "amount"},
		{"null counts as missing", `{"no":"A1","amount":null}`, "amount"},
		{"unknown field", `{"no":"A1","amount":10,"amout":1}`, "amout"},
		{"wrong type", `{"no":"A1","amount":"10"}`, "amount"},
		{"two values", `{"no":"A1","amount":10}{}`, "after top-level value"},
		{"not an object", `[1]`, "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o order
			err := gatewaytest.UnmarshalStrict([]byte(tc.body), &o, "no", "amount")
			if tc.want == "" {
				if err != nil || o.No != "A1" || o.Amount != 10 {
					t.Fatalf("%+v, %v", o, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func FuzzUnmarshalStrict(f *testing.F) {
	f.Add([]byte(`{"no":"A1","amount":10}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var o order
		if gatewaytest.UnmarshalStrict(body, &o, "no", "amount") != nil {
			return
		}
		// Whatever the strict decoder accepts, the standard one agrees with.
		var loose order
		if err := json.Unmarshal(body, &loose); err != nil || loose != o {
			t.Fatalf("strict %+v, loose %+v (%v) for %q", o, loose, err, body)
		}
	})
}
