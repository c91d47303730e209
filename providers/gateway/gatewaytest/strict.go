package gatewaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// DecodeStrict reads r's body as the JSON object v, the way a strict server
// would: the content type must be JSON, the body one object, no field may be
// unknown or of the wrong type, and every name in required must be present
// (as any value but null).
func DecodeStrict(r *http.Request, v any, required ...string) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return fmt.Errorf("content type %q is not application/json", r.Header.Get("Content-Type"))
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	return UnmarshalStrict(raw, v, required...)
}

// UnmarshalStrict is DecodeStrict on bytes already read.
func UnmarshalStrict(raw []byte, v any, required ...string) error {
	// Require also refuses anything after the object.
	if err := Require(raw, required...); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("body: %w", err)
	}
	return nil
}

// Require checks that the JSON object raw has every named field, non-null.
func Require(raw []byte, names ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("body is not a JSON object: %w", err)
	}
	var missing []string
	for _, n := range names {
		if v, ok := m[n]; !ok || string(v) == "null" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("missing required field(s): %s", strings.Join(missing, ", "))
	}
	return nil
}
