package mask

import "testing"

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
