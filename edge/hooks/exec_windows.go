package hooks

import (
	"context"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// command starts argv the way its kind needs on Windows (windowsCommand):
// an .exe directly, a batch script through cmd.exe with a command line
// built for cmd.exe, a .ps1 through PowerShell. A bare name is looked up
// in PATH with PATHEXT first, so "print" may turn out to be print.cmd.
func command(ctx context.Context, argv []string) (*exec.Cmd, error) {
	program, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, err
	}
	sysDir, err := windows.GetSystemDirectory()
	if err != nil {
		return nil, err
	}
	wc, err := windowsCommand(sysDir, program, argv[1:])
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, wc.Path, wc.Args[1:]...)
	cmd.Args = wc.Args
	if wc.CmdLine != "" {
		cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: wc.CmdLine}
	}
	return cmd, nil
}
