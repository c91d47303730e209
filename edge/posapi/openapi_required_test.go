package posapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/edge"
	"github.com/scanpay/scanpay/scanner"
	"github.com/scanpay/scanpay/store"
)

// alwaysSent is the JSON names of t's fields that every answer carries:
// those without omitempty or omitzero.
func alwaysSent(t reflect.Type) (always, all []string) {
	for i := 0; i < t.NumField(); i++ {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			always = append(always, name)
		}
	}
	return always, all
}

// TestOpenAPIRequiredIsWhatIsAlwaysSent: each answer schema's required
// list is exactly the fields the Go type always writes, and it documents
// every field the type has, so a generated client can rely on them.
func TestOpenAPIRequiredIsWhatIsAlwaysSent(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Required   []string                   `json:"required"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema string
		goType any
	}{
		{"Payment", edge.PaymentView{}},
		{"Refund", edge.RefundView{}},
		{"Change", store.Change{}},
		{"WalletAnswer", store.WalletAnswer{}},
		{"Item", store.Item{}},
		{"ScanResult", edge.ScanResult{}},
		{"Event", edge.Event{}},
		{"ScanEvent", edge.ScanEvent{}},
		{"DeviceEvent", scanner.DeviceEvent{}},
		{"HookEvent", edge.HookEvent{}},
		{"Device", scanner.DeviceStatus{}},
		{"DeviceList", DeviceList{}},
		{"PaymentList", PaymentList{}},
		{"Liveness", Liveness{}},
		{"Status", Status{}},
		{"Error", ErrorBody{}},
	} {
		s, ok := doc.Components.Schemas[tc.schema]
		if !ok {
			t.Errorf("no schema %s", tc.schema)
			continue
		}
		always, all := alwaysSent(reflect.TypeOf(tc.goType))
		got := slices.Clone(s.Required)
		slices.Sort(got)
		slices.Sort(always)
		if !slices.Equal(got, always) {
			t.Errorf("%s: required %v, but %T always sends %v", tc.schema, s.Required, tc.goType, always)
		}
		for _, f := range all {
			if _, ok := s.Properties[f]; !ok {
				t.Errorf("%s lacks %T's field %q", tc.schema, tc.goType, f)
			}
		}
	}
}
