package hooks

import (
	"fmt"
	"strings"
)

// winCommand is how an exec hook is started on Windows: the program
// CreateProcess runs, its arguments (argv[0] first) and, for a batch
// script, the exact command line (Go's quoting follows the C runtime's
// rules, which cmd.exe does not read; see golang/go#27199 and #69939).
type winCommand struct {
	Path    string
	Args    []string
	CmdLine string // "" = let Go quote Args
}

// Script kinds by extension.
const (
	winExe   = "exe"
	winBatch = "batch"
	winPS    = "powershell"
)

// winKind names what Windows does with the program at path, from its
// extension. Windows ignores trailing dots and spaces in a file name, so
// "hook.cmd. " is a batch script too (the CVE-2024-43402 bypass of
// CVE-2024-24576 fixes); a stream name ("hook.cmd::$DATA") is refused.
// Windows' path rules are written out here, not taken from path/filepath,
// so that they are tested on every OS.
func winKind(path string) (string, error) {
	rest := path
	if len(rest) >= 2 && rest[1] == ':' {
		rest = rest[2:] // the drive
	}
	if strings.Contains(rest, ":") {
		return "", fmt.Errorf("%s names a file stream (a ':' after the drive): name the program's file itself", path)
	}
	name := strings.TrimRight(rest[strings.LastIndexAny(rest, `\/`)+1:], ". ")
	ext := ""
	if i := strings.LastIndex(name, "."); i >= 0 {
		ext = name[i:]
	}
	switch strings.ToLower(ext) {
	case ".exe", ".com":
		return winExe, nil
	case ".cmd", ".bat":
		return winBatch, nil
	case ".ps1":
		return winPS, nil
	}
	return "", fmt.Errorf("%s is not a program Windows can run: use an .exe, a .cmd or .bat script, or a .ps1 PowerShell script", path)
}

// batchUnsafe lists what cmd.exe reads inside double quotes: '"' ends
// the quoting, '%' (and '!' with delayed expansion) expand variables, and
// a line break ends the command. Everything else (& | < > ^ ( ) spaces) is
// plain text inside the quotes each argument gets.
const batchUnsafe = "\"%!\r\n\x00"

// checkBatchArg refuses what no quoting can carry through cmd.exe.
// Arguments come from the configuration only: the receipt goes to stdin
// and the SCANPAY_* variables, never to the command line.
func checkBatchArg(what, s string) error {
	if i := strings.IndexAny(s, batchUnsafe); i >= 0 {
		return fmt.Errorf("%s %q contains %q, which cmd.exe would not pass on as written to a batch script: remove it, or give the script the value through the hook's env key", what, s, s[i:i+1])
	}
	return nil
}

// windowsCommand builds the command for program (already resolved to its
// file) and args on Windows. sysDir is the system folder
// (C:\Windows\System32): cmd.exe and PowerShell are taken from there, never
// from PATH or %ComSpec%.
//
//   - .exe/.com run directly, quoted by Go.
//   - .cmd/.bat run as cmd.exe /d /v:off /s /c ""script" "arg" …": /d skips
//     AutoRun commands from the registry, /v:off delayed expansion, /s
//     makes cmd.exe drop exactly the outer pair of quotes. Each argument
//     is quoted; checkBatchArg refuses what quotes cannot carry.
//   - .ps1 runs as powershell.exe -NoProfile -NonInteractive
//     -ExecutionPolicy Bypass -File script args…: PowerShell binds the
//     words after -File as plain strings (C runtime quoting, Go's).
func windowsCommand(sysDir, program string, args []string) (winCommand, error) {
	kind, err := winKind(program)
	if err != nil {
		return winCommand{}, err
	}
	switch kind {
	case winBatch:
		if err := checkBatchArg("the script's path", program); err != nil {
			return winCommand{}, err
		}
		cmdExe := sysDir + `\cmd.exe`
		var line strings.Builder
		line.WriteString(`"` + cmdExe + `" /d /v:off /s /c "`)
		line.WriteString(`"` + program + `"`)
		for i, a := range args {
			if err := checkBatchArg(fmt.Sprintf("argument %d of the command", i+1), a); err != nil {
				return winCommand{}, err
			}
			line.WriteString(` "` + a + `"`)
		}
		line.WriteString(`"`)
		return winCommand{Path: cmdExe, Args: append([]string{cmdExe, "/d", "/v:off", "/s", "/c", program}, args...), CmdLine: line.String()}, nil
	case winPS:
		ps := sysDir + `\WindowsPowerShell\v1.0\powershell.exe`
		return winCommand{Path: ps, Args: append([]string{ps, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", program}, args...)}, nil
	}
	return winCommand{Path: program, Args: append([]string{program}, args...)}, nil
}
