package posapi

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// RestrictToOwner gives path a protected DACL: full control for SYSTEM,
// the Administrators and the account scanpay runs as, nobody else, and
// nothing inherited from the parent folder (C:\ProgramData lets every user
// read). Windows ignores file modes, so this is what 0600/0700 are on
// Linux. A folder passes the same rights on to what is created in it.
func RestrictToOwner(path string) error {
	tok := windows.GetCurrentProcessToken()
	tu, err := tok.GetTokenUser()
	if err != nil {
		return fmt.Errorf("%s: cannot find the account scanpay runs as: %w", path, err)
	}
	inherit := ""
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		inherit = "OICI" // objects and containers created inside inherit it
	}
	sddl := fmt.Sprintf("D:P(A;%[1]s;FA;;;SY)(A;%[1]s;FA;;;BA)(A;%[1]s;FA;;;%[2]s)", inherit, tu.User.Sid.String())
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return fmt.Errorf("%s: building its access list: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("%s: building its access list: %w", path, err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return fmt.Errorf("%s: cannot make it readable only by SYSTEM, Administrators and scanpay's account: %w; run scanpay as an administrator or LocalSystem", path, err)
	}
	return nil
}
