package hooks

import (
	"slices"
	"strings"
	"testing"
)

// TestWindowsCommand pins how each kind of hook program is started on
// Windows. It runs on every OS: the command is built from strings. The
// batch case also runs for real under Wine (TestExecHookBatchScript);
// PowerShell is absent under Wine, so its command line is checked only
// here.
func TestWindowsCommand(t *testing.T) {
	const sys = `C:\Windows\System32`
	const cmdExe = sys + `\cmd.exe`
	const ps = sys + `\WindowsPowerShell\v1.0\powershell.exe`
	tests := []struct {
		name, program string
		args          []string
		want          winCommand
		wantErr       string
	}{
		{name: "exe", program: `C:\Program Files\Print\print.exe`, args: []string{"--lane", "1"},
			want: winCommand{Path: `C:\Program Files\Print\print.exe`, Args: []string{`C:\Program Files\Print\print.exe`, "--lane", "1"}}},
		{name: "upper-case EXE", program: `C:\p\PRINT.EXE`, want: winCommand{Path: `C:\p\PRINT.EXE`, Args: []string{`C:\p\PRINT.EXE`}}},
		{name: "cmd", program: `C:\hooks\print receipt.cmd`, args: []string{"lane 1", `a&b|c<d>e^f(g)`},
			want: winCommand{Path: cmdExe, Args: []string{cmdExe, "/d", "/v:off", "/s", "/c", `C:\hooks\print receipt.cmd`, "lane 1", `a&b|c<d>e^f(g)`},
				CmdLine: `"` + cmdExe + `" /d /v:off /s /c ""C:\hooks\print receipt.cmd" "lane 1" "a&b|c<d>e^f(g)""`}},
		{name: "bat, no arguments", program: `C:\hooks\p.BAT`,
			want: winCommand{Path: cmdExe, Args: []string{cmdExe, "/d", "/v:off", "/s", "/c", `C:\hooks\p.BAT`}, CmdLine: `"` + cmdExe + `" /d /v:off /s /c ""C:\hooks\p.BAT""`}},
		// Windows drops trailing dots and spaces: still a batch script.
		{name: "cmd with trailing dot and space", program: `C:\hooks\p.cmd. `, args: []string{"x"},
			want: winCommand{Path: cmdExe, Args: []string{cmdExe, "/d", "/v:off", "/s", "/c", `C:\hooks\p.cmd. `, "x"}, CmdLine: `"` + cmdExe + `" /d /v:off /s /c ""C:\hooks\p.cmd. " "x""`}},
		{name: "trailing dot hides no percent", program: `C:\hooks\p.cmd.`, args: []string{`%PATH%`}, wantErr: `argument 1 of the command "%PATH%" contains "%"`},
		{name: "percent", program: `C:\hooks\p.cmd`, args: []string{`100%`}, wantErr: `contains "%"`},
		{name: "quote", program: `C:\hooks\p.cmd`, args: []string{`" & calc.exe & "`}, wantErr: `contains "\""`},
		{name: "bang", program: `C:\hooks\p.cmd`, args: []string{`!x!`}, wantErr: `contains "!"`},
		{name: "line break", program: `C:\hooks\p.cmd`, args: []string{"a\r\ncalc.exe"}, wantErr: `contains "\r"`},
		{name: "percent in the script's path", program: `C:\100%\p.cmd`, wantErr: `the script's path "C:\\100%\\p.cmd" contains "%"`},
		{name: "ps1", program: `C:\hooks\print.ps1`, args: []string{"-Lane", "a b"},
			want: winCommand{Path: ps, Args: []string{ps, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", `C:\hooks\print.ps1`, "-Lane", "a b"}}},
		{name: "stream", program: `C:\hooks\p.txt::$DATA`, wantErr: "names a file stream"},
		{name: "shell script", program: `C:\hooks\print.sh`, wantErr: `C:\hooks\print.sh is not a program Windows can run: use an .exe, a .cmd or .bat script, or a .ps1`},
		{name: "no extension", program: `C:\hooks\print`, wantErr: "is not a program Windows can run"},
		{name: "dot in a folder only", program: `C:\hooks.d\print`, wantErr: "is not a program Windows can run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := windowsCommand(sys, tt.program, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tt.want.Path || !slices.Equal(got.Args, tt.want.Args) || got.CmdLine != tt.want.CmdLine {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}
