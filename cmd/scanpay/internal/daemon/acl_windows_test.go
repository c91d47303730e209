package daemon

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/internal/fileperm/permtest"
)

// TestDataDirAndTokenArePrivateOnWindows: data_dir, the journal and the
// API token start out readable by Everyone (as under C:\ProgramData, or
// copied in by hand), and after a start each has an access list naming
// only SYSTEM, Administrators and scanpay's account, read back here.
func TestDataDirAndTokenArePrivateOnWindows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := tu.User.Sid.String()
	permtest.SetACL(t, dir, "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;"+me+")(A;OICI;FR;;;WD)")
	cfg, err := config.Sandbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.API.TokenFile, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	permtest.EveryoneReads(t, cfg.API.TokenFile)
	d, err := Start(context.Background(), cfg, Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	for _, p := range []string{dir, cfg.API.TokenFile, cfg.JournalPath()} {
		sd, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		s := sd.String()
		for _, broad := range []string{";;;WD)", ";;;BU)", ";;;AU)"} {
			if strings.Contains(s, broad) {
				t.Errorf("%s: %s still grants %s", p, s, broad)
			}
		}
		if !strings.Contains(s, ";;;"+me+")") || !strings.Contains(s, ";;;SY)") {
			t.Errorf("%s: %s lacks SYSTEM or scanpay's account", p, s)
		}
		if permtest.OnWine() {
			// Wine 8 keeps access lists as Unix mode bits: the
			// Administrators entry and the protected flag are lost.
			t.Logf("%s under Wine: %s", p, s)
			continue
		}
		ctl, _, _ := sd.Control()
		if ctl&windows.SE_DACL_PROTECTED == 0 || !strings.Contains(s, ";;;BA)") || strings.Count(s, "(A;") != 3 {
			t.Errorf("%s: %s is not the protected SYSTEM, Administrators and owner list", p, s)
		}
	}
}
