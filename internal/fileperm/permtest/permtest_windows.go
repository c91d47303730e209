package permtest

import (
	"testing"

	"golang.org/x/sys/windows"
)

// OwnerOnly leaves path to SYSTEM, the Administrators and this account.
func OwnerOnly(t testing.TB, path string) {
	SetACL(t, path, "D:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;"+self(t)+")")
}

// EveryoneReads adds read access for Everyone.
func EveryoneReads(t testing.TB, path string) {
	SetACL(t, path, "D:P(A;;FA;;;SY)(A;;FA;;;"+self(t)+")(A;;FR;;;WD)")
}

// EveryoneWrites adds write (not read) access for Everyone.
func EveryoneWrites(t testing.TB, path string) {
	SetACL(t, path, "D:P(A;;FA;;;SY)(A;;FA;;;"+self(t)+")(A;;FW;;;WD)")
}

// SetACL gives path the access list sddl, protected from its parent's. It
// sets the descriptor on the object itself, which Wine 8 also honours (as
// Unix mode bits).
func SetACL(t testing.TB, path, sddl string) {
	t.Helper()
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		t.Fatal(err)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.READ_CONTROL|windows.WRITE_DAC, windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	if err := windows.SetKernelObjectSecurity(h, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, sd); err != nil {
		t.Fatal(err)
	}
}

func self(t testing.TB) string {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	return tu.User.Sid.String()
}

// OnWine reports whether this process runs under Wine, whose access lists
// are Unix mode bits underneath: a check that passes there proves the
// calls were made, not what real Windows enforces.
func OnWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
