package lenient_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/providers/gateway/lenient"
)

func TestScalars(t *testing.T) {
	type v struct {
		T lenient.Text   `json:"t"`
		A lenient.Amount `json:"a"`
		F lenient.Flag   `json:"f"`
	}
	tests := []struct {
		in   string
		want v
		ok   bool
	}{
		{`{"t":"00000","a":110,"f":true}`, v{"00000", 110, true}, true},
		{`{"t":20003,"a":"110","f":"Y"}`, v{"20003", 110, true}, true},
		{`{"t":null,"a":null,"f":null}`, v{}, true},
		{`{"t":true,"a":110.00,"f":0}`, v{"true", 110, false}, true},
		{`{"t":"x","a":" 7 ","f":"false"}`, v{"x", 7, false}, true},
		{`{"a":109.5}`, v{}, false},
		{`{"a":"1e3"}`, v{}, false},
		{`{"a":"12."}`, v{}, false},
		{`{"f":"maybe"}`, v{}, false},
		{`{"t":{}}`, v{}, false},
		{`{"t":[1]}`, v{}, false},
	}
	for _, tc := range tests {
		var got v
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s: got %+v, %v", tc.in, got, err)
		}
	}
}

func TestStatedFlag(t *testing.T) {
	type v struct {
		F lenient.StatedFlag `json:"f"`
	}
	tests := []struct {
		in   string
		want lenient.StatedFlag
		ok   bool
	}{
		{`{}`, lenient.StatedFlag{}, true},
		{`{"f":null}`, lenient.StatedFlag{}, true},
		{`{"f":"NULL"}`, lenient.StatedFlag{}, true},
		{`{"f":"Null"}`, lenient.StatedFlag{}, true},
		{`{"f":" null "}`, lenient.StatedFlag{}, true},
		{`{"f":"  "}`, lenient.StatedFlag{}, true},
		{`{"f":" Y "}`, lenient.StatedFlag{Value: true, Stated: true}, true},
		{`{"f":""}`, lenient.StatedFlag{}, true},
		{`{"f":true}`, lenient.StatedFlag{Value: true, Stated: true}, true},
		{`{"f":false}`, lenient.StatedFlag{Value: false, Stated: true}, true},
		{`{"f":"N"}`, lenient.StatedFlag{Value: false, Stated: true}, true},
		{`{"f":1}`, lenient.StatedFlag{Value: true, Stated: true}, true},
		{`{"f":"maybe"}`, lenient.StatedFlag{}, false},
		{`{"f":{}}`, lenient.StatedFlag{}, false},
	}
	for _, tc := range tests {
		var got v
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err == nil) != tc.ok || (tc.ok && got.F != tc.want) {
			t.Errorf("%s: got %+v, %v", tc.in, got, err)
		}
	}
}

func FuzzAmount(f *testing.F) {
	f.Add([]byte(`110`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a lenient.Amount
		if json.Unmarshal(b, &a) == nil {
			// An accepted amount survives a round trip as a plain number.
			out, _ := json.Marshal(int64(a))
			var back lenient.Amount
			if err := json.Unmarshal(out, &back); err != nil || back != a {
				t.Fatalf("%s → %d → %s → %d, %v", b, a, out, back, err)
			}
		}
	})
}

// FuzzStatedFlag: a StatedFlag states something exactly when its word, in
// any case and with any surrounding spaces, is neither empty nor null, and
// then it agrees with Flag.
func FuzzStatedFlag(f *testing.F) {
	f.Add([]byte(`"NULL"`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s lenient.StatedFlag
		if err := s.UnmarshalJSON(b); err != nil {
			return
		}
		word := strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(string(b)), `"`)))
		if unstated := word == "" || word == "null"; unstated == s.Stated {
			t.Fatalf("%q → %+v: stated must be %v", b, s, !unstated)
		}
		if !s.Stated {
			return
		}
		var fl lenient.Flag
		if err := fl.UnmarshalJSON(b); err != nil || bool(fl) != s.Value {
			t.Fatalf("%q → stated %v, but Flag gives %v, %v", b, s.Value, fl, err)
		}
	})
}
