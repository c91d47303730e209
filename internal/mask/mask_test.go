package mask

import (
	"strings"
	"testing"
)

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"2", "2"},
		{"22J1", "22**"},
		{"22J11111", "22******"},
		{"22J111111111111111", "22J1…1111"},
		{"悠遊付悠遊付悠遊付悠", "悠遊付悠…悠遊付悠"},
	}
	for _, tt := range tests {
		if got := Code(tt.in); got != tt.want {
			t.Errorf("Code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecret(t *testing.T) {
	if got := Secret(""); got != "" {
		t.Errorf("Secret(\"\") = %q", got)
	}
	if got := Secret("k3y"); got != "[redacted]" {
		t.Errorf("Secret = %q", got)
	}
}

func TestTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AB123456", "AB123456"},
		{"悠遊付", "悠遊付"},
		{"\x1b[2J\x1b[Happroved", `\x1b[2J\x1b[Happroved`},
		{"a\r\nb\x00", `a\r\nb\x00`},
		{"x\u202eevil", `x\u202eevil`},
		{"\u009b31m", `\u009b31m`},
		{"bad\xffutf8", `bad\ufffdutf8`},
	}
	for _, tt := range tests {
		if got := Terminal(tt.in); got != tt.want {
			t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextMasksCodesAndSecrets(t *testing.T) {
	s := &Secrets{}
	s.Add("k3y-with-symbols!")
	got := s.Scrub("stderr: key=k3y-with-symbols! code 22J1ABCDEFGH991111")
	if strings.Contains(got, "k3y-with") || strings.Contains(got, "22J1ABCDEFGH991111") || !strings.Contains(got, "22J1…1111") {
		t.Errorf("Scrub = %q", got)
	}
	if got := Text("code 22J1ABCDEFGH991111"); got != "code 22J1…1111" {
		t.Errorf("Text = %q", got)
	}
}
