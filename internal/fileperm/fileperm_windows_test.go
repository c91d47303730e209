package fileperm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

// The access-list walk, on descriptors written in SDDL: which broad group
// may read or write, inherit-only and deny entries ignored, a missing
// access list counted as Everyone.
func TestBroadGrants(t *testing.T) {
	tests := []struct {
		sddl        string
		read, write string
	}{
		{"D:P(A;;FA;;;SY)(A;;FA;;;BA)", "", ""},
		{"D:(A;;FR;;;WD)", "Everyone", ""},
		{"D:(A;;0x1200a9;;;BU)", "Users", ""},
		{"D:(A;;GR;;;AU)", "Authenticated Users", ""},
		{"D:(A;;FW;;;BU)", "", "Users"},
		{"D:(A;;WD;;;AU)", "", "Authenticated Users"},
		{"D:(A;;FA;;;WD)(A;;FA;;;BU)", "Everyone, Users", "Everyone, Users"},
		{"D:(A;OICIIO;FA;;;BU)", "", ""}, // for what is created inside only
		{"D:(D;;FA;;;WD)", "", ""},       // a deny entry grants nothing
		{"", "Everyone", "Everyone"},     // no access list at all
	}
	for _, tt := range tests {
		sd, err := windows.SecurityDescriptorFromString(tt.sddl)
		if tt.sddl == "" {
			// Wine 8 parses "D:NO_ACCESS_CONTROL" as an empty list, so
			// the missing list is made by hand.
			if sd, err = windows.NewSecurityDescriptor(); err == nil {
				err = sd.SetDACL(nil, true, false)
			}
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.sddl, err)
		}
		if got, err := broadGrants(sd, readMask); err != nil || got != tt.read {
			t.Errorf("%s: read by %q (%v), want %q", tt.sddl, got, err, tt.read)
		}
		if got, err := broadGrants(sd, writeMask); err != nil || got != tt.write {
			t.Errorf("%s: written by %q (%v), want %q", tt.sddl, got, err, tt.write)
		}
	}
}

// A file Everyone may read is named as such, and RestrictToOwner leaves
// it (and a folder) to SYSTEM, Administrators and this account, checked
// by reading the access list back.
func TestEveryoneMayReadAndRestrict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "secret")
	if err := os.WriteFile(p, []byte("k3y"), 0o600); err != nil {
		t.Fatal(err)
	}
	permtest.SetACL(t, p, "D:P(A;;FA;;;SY)(A;;FA;;;"+self()+")(A;;FRFW;;;WD)")
	check := func(want string) {
		t.Helper()
		f, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for name, q := range map[string]func(*os.File) (string, error){"EveryoneMayRead": EveryoneMayRead, "OthersMayRead": OthersMayRead, "OthersMayWrite": OthersMayWrite} {
			if got, err := q(f); err != nil || !strings.Contains(got, want) || (want == "") != (got == "") {
				t.Errorf("%s = %q, %v; want %q", name, got, err, want)
			}
		}
		if name, trusted, err := Owner(f); err != nil || !trusted {
			t.Errorf("Owner = %q, %v, %v: this account's own file is not trusted", name, trusted, err)
		}
	}
	check("Everyone")
	for _, q := range []string{p, dir} {
		if err := RestrictToOwner(q); err != nil {
			t.Fatal(err)
		}
		sd, err := windows.GetNamedSecurityInfo(q, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.OWNER_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		if who, err := grantsBeyond(sd, readMask|writeMask); err != nil || who != "" {
			t.Errorf("%s after RestrictToOwner: %s also granted (%v): %s", q, who, err, sd)
		}
		if permtest.OnWine() {
			// Wine 8 keeps a file's access list as Unix mode bits: the
			// Administrators entry and the protected flag do not survive.
			t.Logf("%s read back under Wine: %s", q, sd)
			continue
		}
		ctl, _, _ := sd.Control()
		s := sd.String()
		if ctl&windows.SE_DACL_PROTECTED == 0 || !strings.Contains(s, ";;;SY)") || !strings.Contains(s, ";;;BA)") || !strings.Contains(s, ";;;"+self()+")") {
			t.Errorf("%s: %s is not the protected SYSTEM, Administrators and owner list", q, s)
		}
	}
	check("")
	if !strings.Contains(FixRead(p), `icacls "`+p+`" /inheritance:r`) {
		t.Errorf("FixRead = %s", FixRead(p))
	}
}
