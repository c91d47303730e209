package fileperm

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Well-known SIDs, by string: names such as "Users" are translated on a
// Chinese Windows, SIDs are not, so commands and checks use these.
const (
	sidSystem  = "S-1-5-18"
	sidAdmins  = "S-1-5-32-544"
	sidWorld   = "S-1-1-0"      // Everyone
	sidUsers   = "S-1-5-32-545" // BUILTIN\Users
	sidAuthUsr = "S-1-5-11"     // Authenticated Users
)

var broadNames = map[string]string{
	sidWorld:   "Everyone",
	sidUsers:   "Users",
	sidAuthUsr: "Authenticated Users",
}

// Rights that let a holder read the content, or change the file or who
// may: generic bits count, since a file's ACE may carry them.
const (
	readMask  = windows.FILE_READ_DATA | windows.GENERIC_READ | windows.GENERIC_ALL
	writeMask = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.GENERIC_WRITE |
		windows.GENERIC_ALL | windows.WRITE_DAC | windows.WRITE_OWNER
)

func openFile(path string, follow bool) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	// OPEN_REPARSE_POINT opens a link itself, not its target; BACKUP
	// semantics lets a folder open, so it is named as one below.
	flags := uint32(windows.FILE_FLAG_BACKUP_SEMANTICS)
	if !follow {
		flags |= windows.FILE_FLAG_OPEN_REPARSE_POINT
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.READ_CONTROL,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, flags, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if t, _ := windows.GetFileType(h); t != windows.FILE_TYPE_DISK {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%s is a pipe or device, %w: point the setting at a plain file", path, ErrNotRegular)
	}
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		windows.CloseHandle(h)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if info.FileAttributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("%s is a link (reparse point), %w: scanpay does not follow links here; point the setting at the file itself", path, ErrNotRegular)
	}
	return os.NewFile(uintptr(h), path), nil
}

// aces calls fn with each allow entry of sd's access list that applies to
// the object itself. A missing (NULL) access list lets everyone do
// everything, and is reported as an Everyone entry with full rights.
func aces(sd *windows.SECURITY_DESCRIPTOR, fn func(sid *windows.SID, mask windows.ACCESS_MASK)) error {
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		world, err := windows.StringToSid(sidWorld)
		if err != nil {
			return err
		}
		fn(world, windows.GENERIC_ALL)
		return nil
	}
	if err != nil {
		return err
	}
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return err
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		fn((*windows.SID)(unsafe.Pointer(&ace.SidStart)), ace.Mask)
	}
	return nil
}

// broadGrants names the broad groups sd lets do any of mask.
func broadGrants(sd *windows.SECURITY_DESCRIPTOR, mask windows.ACCESS_MASK) (string, error) {
	var who []string
	err := aces(sd, func(sid *windows.SID, m windows.ACCESS_MASK) {
		if name, ok := broadNames[sid.String()]; ok && m&mask != 0 && !contains(who, name) {
			who = append(who, name)
		}
	})
	return strings.Join(who, ", "), err
}

// grantsBeyond names the accounts other than SYSTEM, Administrators, the
// owner and this process's account that sd lets do any of mask.
func grantsBeyond(sd *windows.SECURITY_DESCRIPTOR, mask windows.ACCESS_MASK) (string, error) {
	ok := map[string]bool{sidSystem: true, sidAdmins: true, self(): true}
	if o, _, err := sd.Owner(); err == nil && o != nil {
		ok[o.String()] = true
	}
	var who []string
	err := aces(sd, func(sid *windows.SID, m windows.ACCESS_MASK) {
		if s := sid.String(); !ok[s] && m&mask != 0 && !contains(who, accountName(sid)) {
			who = append(who, accountName(sid))
		}
	})
	return strings.Join(who, ", "), err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func security(f *os.File, what windows.SECURITY_INFORMATION) (*windows.SECURITY_DESCRIPTOR, error) {
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_FILE_OBJECT, what)
	if err != nil {
		return nil, fmt.Errorf("%s: reading its access list: %w", f.Name(), err)
	}
	return sd, nil
}

// EveryoneMayRead names the broad groups (Everyone, Users, Authenticated
// Users) f's access list lets read it ("" when none).
func EveryoneMayRead(f *os.File) (string, error) {
	sd, err := security(f, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	return broadGrants(sd, readMask)
}

// OthersMayRead names every account besides SYSTEM, Administrators, the
// owner and this process's account that f's access list lets read it.
func OthersMayRead(f *os.File) (string, error) {
	sd, err := security(f, windows.DACL_SECURITY_INFORMATION|windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	return grantsBeyond(sd, readMask)
}

// OthersMayWrite names the broad groups f's access list lets change it,
// or change who may.
func OthersMayWrite(f *os.File) (string, error) {
	sd, err := security(f, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	return broadGrants(sd, writeMask)
}

// Owner names f's owner and says whether it is trusted: SYSTEM, the
// Administrators or the account this process runs as.
func Owner(f *os.File) (name string, trusted bool, err error) {
	sd, err := security(f, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return "", false, err
	}
	o, _, err := sd.Owner()
	if err != nil || o == nil {
		return "nobody", false, err
	}
	s := o.String()
	return accountName(o), s == sidSystem || s == sidAdmins || s == self(), nil
}

func self() string {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return ""
	}
	return tu.User.Sid.String()
}

func accountName(sid *windows.SID) string {
	if acct, dom, _, err := sid.LookupAccount(""); err == nil {
		if dom != "" {
			return dom + `\` + acct
		}
		return acct
	}
	return sid.String()
}

// lockDown is the icacls line that leaves path to SYSTEM, Administrators
// and this process's account: inherited entries dropped, explicit ones
// for the broad groups removed.
func lockDown(path string) string {
	return fmt.Sprintf(`icacls "%[1]s" /inheritance:r /grant:r *%[2]s:F *%[3]s:F *%[4]s:F && icacls "%[1]s" /remove:g *%[5]s *%[6]s *%[7]s`,
		path, sidSystem, sidAdmins, self(), sidWorld, sidUsers, sidAuthUsr)
}

// FixRead is the command that leaves path readable by SYSTEM,
// Administrators and scanpay's account only.
func FixRead(path string) string { return lockDown(path) }

// FixWrite is the command that leaves path changeable by SYSTEM,
// Administrators and scanpay's account only.
func FixWrite(path string) string { return lockDown(path) }

// FixOwner is the command that gives path to this process's account.
func FixOwner(path string) string { return fmt.Sprintf(`icacls "%s" /setowner *%s`, path, self()) }

// RestrictToOwner gives path a protected access list: full control for
// SYSTEM, the Administrators and the account scanpay runs as, nobody
// else, nothing inherited from the parent folder (C:\ProgramData lets
// every user read). A folder passes the same entries on to what is
// created in it. The result is read back: if any other account may still
// read, it is an error.
func RestrictToOwner(path string) error {
	me := self()
	if me == "" {
		return fmt.Errorf("%s: cannot find the account scanpay runs as", path)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	h, err := windows.CreateFile(p, windows.READ_CONTROL|windows.WRITE_DAC,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_OPEN_REPARSE_POINT|windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return fmt.Errorf("%s: cannot open it to set its access list: %w; run scanpay as an administrator or as the service", path, err)
	}
	defer windows.CloseHandle(h)
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(h, &info); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	inherit := ""
	if info.FileAttributes&windows.FILE_ATTRIBUTE_DIRECTORY != 0 {
		inherit = "OICI" // files and folders created inside inherit it
	}
	sd, err := windows.SecurityDescriptorFromString(fmt.Sprintf("D:P(A;%[1]s;FA;;;SY)(A;%[1]s;FA;;;BA)(A;%[1]s;FA;;;%[2]s)", inherit, me))
	if err != nil {
		return fmt.Errorf("%s: building its access list: %w", path, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("%s: building its access list: %w", path, err)
	}
	what := windows.SECURITY_INFORMATION(windows.DACL_SECURITY_INFORMATION | windows.PROTECTED_DACL_SECURITY_INFORMATION)
	// SetSecurityInfo is the documented call (it also passes a folder's
	// entries on to what is already in it). Wine 8 answers it with
	// success and changes nothing, so when the read-back still shows
	// other readers the descriptor is set on the object directly.
	err = windows.SetSecurityInfo(h, windows.SE_FILE_OBJECT, what, nil, nil, dacl, nil)
	if err == nil {
		var who string
		if who, err = othersOn(h); err == nil && who != "" {
			err = windows.SetKernelObjectSecurity(h, what, sd)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: cannot make it readable only by SYSTEM, Administrators and scanpay's account: %w; run scanpay as an administrator or as the service", path, err)
	}
	who, err := othersOn(h)
	if err != nil {
		return fmt.Errorf("%s: reading its access list back: %w", path, err)
	}
	if who != "" {
		return fmt.Errorf("%s: its access list still lets %s read it after it was set; run: %s", path, who, lockDown(path))
	}
	return nil
}

func othersOn(h windows.Handle) (string, error) {
	sd, err := windows.GetSecurityInfo(h, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return "", err
	}
	return grantsBeyond(sd, readMask)
}
