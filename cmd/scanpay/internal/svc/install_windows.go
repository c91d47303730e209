//go:build windows

package svc

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// DefaultAccount is the account the Windows service runs as: the virtual
// account Windows makes for the service itself. It owns nothing else, has
// no password, and its SID (ServiceSID) can be named in access lists;
// LocalSystem could do anything on the PC.
const DefaultAccount = `NT SERVICE\` + Name

// Account names install understands besides DefaultAccount and user names.
const (
	AccountLocalService = `NT AUTHORITY\LocalService`
	AccountLocalSystem  = "LocalSystem"
)

// Install registers the Windows service in two steps. First what the
// service cannot run without, in one CreateService call: the name, the
// command line, automatic start and the account. Then each optional
// setting on its own; one the service manager refuses (Wine's refuses
// some ChangeServiceConfig2 levels with "Invalid level") is a warning that
// names the command setting it by hand, not a failed install.
func Install(s Settings) (warnings []string, err error) {
	exe := s.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("cannot find scanpay's own program file: %w", err)
		}
	}
	m, err := mgr.Connect()
	if err != nil {
		return nil, fmt.Errorf("cannot reach the Windows service manager: %w; run scanpay install in an administrator prompt", err)
	}
	defer m.Disconnect()
	if old, err := m.OpenService(Name); err == nil {
		old.Close()
		return nil, fmt.Errorf("the %s service is already installed: run `scanpay uninstall`, then install again", Name)
	}
	account := s.User
	if account == AccountLocalSystem {
		account = "" // what CreateService calls LocalSystem
	}
	h, err := m.CreateService(Name, exe, mgr.Config{
		DisplayName:      displayName,
		StartType:        mgr.StartAutomatic,
		ErrorControl:     mgr.ErrorNormal,
		ServiceStartName: account,
	}, Config(s).Arguments...)
	if err != nil {
		return nil, fmt.Errorf("install the %s service: %w (this needs an administrator)", Name, err)
	}
	defer h.Close()
	for _, o := range optionalSettings {
		if err := o.apply(h); err != nil {
			warnings = append(warnings, fmt.Sprintf("the service is installed, but Windows refused its %s (%v): set it by hand in an administrator prompt: %s", o.what, err, o.fix))
		}
	}
	return warnings, nil
}

// optionalSetting is one setting applied after the service exists.
type optionalSetting struct {
	what  string
	fix   string // the command that sets it by hand
	apply func(*mgr.Service) error
}

// Recovery: restart 2 s after the first and second failures, 60 s after
// later ones (a crash loop does not spin), the count reset after a day.
var (
	RecoveryActions = []mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 2 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 2 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 60 * time.Second},
	}
	RecoveryResetSeconds uint32 = 86400
)

var optionalSettings = []optionalSetting{
	{"description", `sc.exe description ` + Name + ` "` + description + `"`, func(h *mgr.Service) error {
		return changeConfig2(h, windows.SERVICE_CONFIG_DESCRIPTION, &windows.SERVICE_DESCRIPTION{Description: utf16Ptr(description)})
	}},
	{"delayed automatic start", `sc.exe config ` + Name + ` start= delayed-auto`, func(h *mgr.Service) error {
		return changeConfig2(h, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &windows.SERVICE_DELAYED_AUTO_START_INFO{IsDelayedAutoStartUp: 1})
	}},
	{"recovery actions (restart after 2 s, 2 s, 60 s)", `sc.exe failure ` + Name + ` reset= 86400 actions= restart/2000/restart/2000/restart/60000`, func(h *mgr.Service) error {
		if err := h.SetRecoveryActions(RecoveryActions, RecoveryResetSeconds); err != nil {
			return err
		}
		// Read back: Wine's service manager answers success and keeps
		// nothing.
		got, err := h.RecoveryActions()
		if err != nil {
			return fmt.Errorf("accepted, but cannot be read back: %w", err)
		}
		if !slices.Equal(got, RecoveryActions) {
			return fmt.Errorf("accepted, but the service manager kept %v", got)
		}
		return nil
	}},
	// scanpay ends with a non-zero exit code when it stops on its own
	// (a failed part): that is a failure to restart after, like a crash.
	{"recovery on a non-zero exit", `sc.exe failureflag ` + Name + ` 1`, func(h *mgr.Service) error {
		return h.SetRecoveryActionsOnNonCrashFailures(true)
	}},
	// The service's own SID in its token, so access lists can name it.
	{"service SID type", `sc.exe sidtype ` + Name + ` unrestricted`, func(h *mgr.Service) error {
		return changeConfig2(h, windows.SERVICE_CONFIG_SERVICE_SID_INFO, &serviceSIDInfo{windows.SERVICE_SID_TYPE_UNRESTRICTED})
	}},
	{"event-log source", `powershell -Command "New-EventLog -LogName Application -Source ` + Name + `"`, func(*mgr.Service) error {
		err := eventlog.InstallAsEventCreate(Name, eventlog.Error|eventlog.Warning|eventlog.Info)
		if err != nil && strings.Contains(err.Error(), "exists") {
			return nil
		}
		return err
	}},
}

// serviceSIDInfo is SERVICE_SID_INFO, which x/sys/windows lacks.
type serviceSIDInfo struct{ ServiceSidType uint32 }

func changeConfig2[T any](h *mgr.Service, level uint32, info *T) error {
	return windows.ChangeServiceConfig2(h.Handle, level, (*byte)(unsafe.Pointer(info)))
}

func utf16Ptr(s string) *uint16 {
	p, err := windows.UTF16PtrFromString(s)
	if err != nil {
		panic(err) // constant strings without NUL
	}
	return p
}

// Uninstall stops the service if it runs, deletes it and its event-log
// source.
func Uninstall() error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("cannot reach the Windows service manager: %w; run scanpay uninstall in an administrator prompt", err)
	}
	defer m.Disconnect()
	h, err := m.OpenService(Name)
	if err != nil {
		return fmt.Errorf("the %s service is not installed: %w", Name, err)
	}
	defer h.Close()
	if st, err := h.Query(); err == nil && st.State != windows.SERVICE_STOPPED {
		if err := Control(Settings{}, "stop"); err != nil {
			return err
		}
	}
	if err := h.Delete(); err != nil {
		return fmt.Errorf("uninstall the %s service: %w", Name, err)
	}
	if err := eventlog.Remove(Name); err != nil && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return fmt.Errorf("the %s service is removed, but not its event-log source: %w", Name, err)
	}
	return nil
}
