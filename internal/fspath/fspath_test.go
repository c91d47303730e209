package fspath

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestResolve(t *testing.T) {
	type tc struct{ base, p, want string }
	tests := []tc{
		{"/etc/scanpay", "", ""},
		{"/etc/scanpay", "data", "/etc/scanpay/data"},
		{"/etc/scanpay", "./secrets/../data", "/etc/scanpay/data"},
		{"/etc/scanpay", "/var/lib/scanpay", "/var/lib/scanpay"},
		{"", "data", "data"},
	}
	if runtime.GOOS == "windows" {
		tests = []tc{
			{`D:\cfg`, "", ""},
			{`D:\cfg`, "data", `D:\cfg\data`},
			{`D:\cfg`, `secrets\jkopay.key`, `D:\cfg\secrets\jkopay.key`},
			{`D:\cfg`, `C:\ProgramData\scanpay`, `C:\ProgramData\scanpay`},
			{`D:\cfg`, `\\server\share\x`, `\\server\share\x`},
			// Rooted without a drive: the config's drive, not its folder.
			{`D:\cfg`, `\ProgramData\scanpay`, `D:\ProgramData\scanpay`},
			{`D:\cfg`, "/var/lib/scanpay", `D:\var\lib\scanpay`},
			{`\etc\scanpay`, `\etc\scanpay\data`, `\etc\scanpay\data`},
			// A drive without a root: from that drive's root.
			{`D:\cfg`, `E:data`, `E:\data`},
		}
	}
	for _, tt := range tests {
		want := tt.want
		if runtime.GOOS != "windows" {
			want = filepath.FromSlash(want)
		}
		if got := Resolve(tt.base, tt.p); got != want {
			t.Errorf("Resolve(%q, %q) = %q, want %q", tt.base, tt.p, got, want)
		}
	}
}
