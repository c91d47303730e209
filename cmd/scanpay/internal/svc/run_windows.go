//go:build windows

package svc

import (
	"context"
	"errors"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	winsvc "golang.org/x/sys/windows/svc"
)

// Interactive reports whether scanpay runs from a console rather than
// under the service manager.
//
// kardianos/service (and x/sys's IsWindowsService) also require the
// parent services.exe to be in session 0, which it always is on Windows
// but not under Wine; there the service would run as a console program
// and the service manager would time out waiting for it to report in.
func Interactive() bool {
	if ok, err := winsvc.IsWindowsService(); err == nil && ok {
		return false
	}
	return !strings.EqualFold(parentImage(), "services.exe")
}

// parentImage is the file name of this process's parent ("" if unknown).
func parentImage() string {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return ""
	}
	defer windows.CloseHandle(snap)
	names := map[uint32]string{}
	parent := ^uint32(0)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	for err = windows.Process32First(snap, &e); err == nil; err = windows.Process32Next(snap, &e) {
		names[e.ProcessID] = windows.UTF16ToString(e.ExeFile[:])
		if e.ProcessID == uint32(os.Getpid()) {
			parent = e.ParentProcessID
		}
	}
	return names[parent]
}

// Run runs fn as the Windows service until the service manager stops it.
// The handler is ours rather than kardianos/service's, whose Run trusts
// the session-0 test above and would run fn as a console program.
func Run(_ Settings, fn func(ctx context.Context) error) error {
	return winsvc.Run(Name, &handler{p: &program{run: fn, exit: exitProcess}})
}

type handler struct{ p *program }

// Execute reports the service running, then waits for stop or shutdown
// and reports fn's exit code as the service-specific exit code.
func (h *handler) Execute(_ []string, req <-chan winsvc.ChangeRequest, status chan<- winsvc.Status) (bool, uint32) {
	status <- winsvc.Status{State: winsvc.StartPending}
	if err := h.p.Start(nil); err != nil {
		return true, 1
	}
	status <- winsvc.Status{State: winsvc.Running, Accepts: winsvc.AcceptStop | winsvc.AcceptShutdown}
	for c := range req {
		switch c.Cmd {
		case winsvc.Interrogate:
			status <- c.CurrentStatus
		case winsvc.Stop, winsvc.Shutdown:
			status <- winsvc.Status{State: winsvc.StopPending, WaitHint: 45000}
			err := h.p.Stop(nil)
			var ec ExitCoder
			if errors.As(err, &ec) {
				return true, uint32(ec.ExitCode())
			}
			if err != nil {
				return true, 1
			}
			return false, 0
		}
	}
	return false, 0
}
