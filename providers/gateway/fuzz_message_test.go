package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzGatewayMessage: the gateway's error text is picked out of any answer
// without a panic; it is what the answer's "message" says (its first 200
// bytes at most, cut on a character boundary so that a Chinese message
// stays readable UTF-8 in logs and errors), and nothing at all when the
// answer is not a JSON object with a string message.
func FuzzGatewayMessage(f *testing.F) {
	f.Add([]byte(`{"message":"authkey is invalid"}`))
	f.Add([]byte(`{"message":"` + strings.Repeat("x", 250) + `"}`))
	f.Add([]byte(`{"message":"餘額不足"}`))
	f.Add([]byte(`<html>401</html>`))
	f.Add([]byte(`{"message":42}`))
	f.Add([]byte(`{"message":"a"}{"message":"b"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := gatewayMessage(body)
		var a struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &a) != nil {
			if got != "" {
				t.Fatalf("%q is not a JSON answer, yet its message is %q", body, got)
			}
			return
		}
		if len(got) > 200 {
			t.Fatalf("message of %d bytes, want at most 200", len(got))
		}
		if !strings.HasPrefix(a.Message, got) {
			t.Fatalf("message %q is not the start of the answer's %q", got, a.Message)
		}
		if len(got) < min(len(a.Message), 200-utf8.UTFMax+1) {
			t.Fatalf("message %q cut short of the answer's %q", got, a.Message)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("message %q is not valid UTF-8 (a character was cut in half)", got)
		}
	})
}
