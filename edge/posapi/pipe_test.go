package posapi

import (
	"runtime"
	"strings"
	"testing"
)

func TestPipeSDDL(t *testing.T) {
	tests := []struct {
		owner   string
		allowed []string
		want    string
	}{
		{"S-1-5-80-1", nil, "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-80-1)"},
		{"S-1-5-80-1", []string{"S-1-5-32-545", "S-1-5-21-9-1001"}, "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;S-1-5-80-1)(A;;GRGW;;;S-1-5-32-545)(A;;GRGW;;;S-1-5-21-9-1001)"},
	}
	for _, tt := range tests {
		if got := pipeSDDL(tt.owner, tt.allowed); got != tt.want {
			t.Errorf("pipeSDDL(%s, %v) = %s, want %s", tt.owner, tt.allowed, got, tt.want)
		}
	}
}

func TestPipeConfig(t *testing.T) {
	tests := []struct {
		name    string
		pipe    string
		allow   []string
		windows string // the error on Windows ("" = valid)
		other   string // elsewhere
	}{
		{"no pipe", "", nil, "", ""},
		{"default", DefaultPipe, []string{"Users"}, "", "Windows only"},
		{"not a pipe", `C:\scanpay`, nil, "not a local named pipe", "Windows only"},
		{"remote pipe", `\\pos-pc\pipe\scanpay`, nil, "not a local named pipe", "Windows only"},
		{"nested", `\\.\pipe\a\b`, nil, "not a local named pipe", "Windows only"},
		{"empty name", `\\.\pipe\`, nil, "not a local named pipe", "Windows only"},
		{"allow without pipe", "", []string{"Users"}, "api.pipe_allow is set but api.pipe is not", "api.pipe_allow is set but api.pipe is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Config{TokenFile: "t", Pipe: tt.pipe, PipeAllow: tt.allow}.Validate()
			want := tt.other
			if runtime.GOOS == "windows" {
				want = tt.windows
			}
			if want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one saying %q", err, want)
			}
		})
	}
}
