package svc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Published service SIDs (`sc.exe showsid <name>` on Windows).
func TestServiceSID(t *testing.T) {
	for name, want := range map[string]string{
		"TrustedInstaller": "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
		"MSSQLSERVER":      "S-1-5-80-3880718306-3832830129-1677859214-2598158968-1052248003",
	} {
		if got := ServiceSID(name); got != want {
			t.Errorf("ServiceSID(%s) = %s, want %s", name, got, want)
		}
	}
}

// TestMSIGrantsTheServiceSID: the MSI's access list for
// C:\ProgramData\scanpay names this service's SID.
func TestMSIGrantsTheServiceSID(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "packaging", "windows", "MsiLockPermissionsEx.idt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "(A;OICI;FA;;;"+ServiceSID(Name)+")") {
		t.Errorf("MsiLockPermissionsEx.idt does not grant %s (NT SERVICE\\%s):\n%s", ServiceSID(Name), Name, b)
	}
}
