package main

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/windows"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
)

// defaultServiceUser: the service's own virtual account, never LocalSystem
// unless asked (--user LocalSystem).
const defaultServiceUser = svc.DefaultAccount

// prepareServiceUser names the account (LocalService and LocalSystem are
// accepted in their short forms) and, as on Linux, creates data_dir for
// it: a protected access list for SYSTEM, Administrators and the service's
// account, so a data_dir first made by an administrator's `scanpay run`
// does not lock the service out. A failure there is a warning naming the
// icacls command: the service would then fail at start, saying why.
func prepareServiceUser(s *svc.Settings, name string, cfg *config.Config) ([]string, error) {
	switch strings.ToLower(name) {
	case "localservice", strings.ToLower(svc.AccountLocalService):
		name = svc.AccountLocalService
	case "", "localsystem":
		name = svc.AccountLocalSystem
	}
	s.User = name
	sid, err := accountSID(name)
	if err != nil {
		return nil, &config.Error{Err: fmt.Errorf("--user %s: %w; name an existing account, or leave --user out for %s", name, err, svc.DefaultAccount)}
	}
	fix := fmt.Sprintf(`icacls "%s" /inheritance:r /grant:r SYSTEM:(OI)(CI)F Administrators:(OI)(CI)F "%s":(OI)(CI)F`, cfg.DataDir, name)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return []string{fmt.Sprintf("data_dir %s could not be created (%v): create it and run %s", cfg.DataDir, err, fix)}, nil
	}
	if err := grantDir(cfg.DataDir, sid); err != nil {
		return []string{fmt.Sprintf("data_dir %s: the service's access could not be set (%v): run %s", cfg.DataDir, err, fix)}, nil
	}
	return nil, nil
}

// accountSID is the SID the service's token will carry.
func accountSID(name string) (string, error) {
	switch name {
	case svc.DefaultAccount:
		return svc.ServiceSID(svc.Name), nil
	case svc.AccountLocalSystem:
		return "SY", nil
	case svc.AccountLocalService:
		return "LS", nil
	}
	sid, _, _, err := windows.LookupSID("", name)
	if err != nil {
		return "", err
	}
	return sid.String(), nil
}

// grantDir gives dir a protected access list, inherited by what is made in
// it: full control for SYSTEM, Administrators and sid.
func grantDir(dir, sid string) error {
	sd, err := windows.SecurityDescriptorFromString(fmt.Sprintf("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;%s)", sid))
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
