//go:build linux

package svc

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

var update = flag.Bool("update", false, "rewrite packaging/systemd/scanpay.service from the template")

// renderUnit installs the service through kardianos/service's real systemd
// backend as a user service into a temporary HOME and returns the unit it
// wrote. systemd is not PID 1 on these machines (and PATH is emptied so no
// systemctl runs), so Install fails after writing the file — the file is
// what is under test; install/start/stop against a live systemd is not.
func renderUnit(t *testing.T, s Settings) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("PATH", t.TempDir())
	var systemd service.System
	for _, sys := range service.AvailableSystems() {
		if sys.String() == "linux-systemd" {
			systemd = sys
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service has no linux-systemd backend")
	}
	cfg := Config(s)
	cfg.Option["UserService"] = true
	svc, err := systemd.New(&program{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	_ = svc.Install() // fails at `systemctl enable`, after writing the unit
	b, err := os.ReadFile(filepath.Join(home, ".config/systemd/user", Name+".service"))
	if err != nil {
		t.Fatalf("the unit was not written: %v", err)
	}
	return string(b)
}

func packagedSettings() Settings {
	return Settings{
		ConfigPath: "/etc/scanpay/scanpay.toml",
		DataDir:    "/var/lib/scanpay",
		Executable: "/usr/bin/scanpay",
		User:       "scanpay",
	}
}

func TestGeneratedUnitRestartsAtOnceAndIsHardened(t *testing.T) {
	unit := renderUnit(t, packagedSettings())
	for _, want := range []string{
		"\nExecStart=/usr/bin/scanpay \"run\" \"--config\" \"/etc/scanpay/scanpay.toml\"\n",
		"\nRestart=always\n",
		"\nRestartSec=2\n",
		"\nStartLimitIntervalSec=0\n",
		"\nNoNewPrivileges=yes\n",
		"\nProtectSystem=strict\n",
		"\nReadWritePaths=/var/lib/scanpay\n",
		"\nPrivateTmp=yes\n",
		"\nProtectHome=yes\n",
		"\nUser=scanpay\n",
		"\nEnvironmentFile=-/etc/scanpay/scanpay.env\n",
		"\nConditionPathExists=/etc/scanpay/scanpay.toml\n",
		"\nRestartPreventExitStatus=2\n",
		"\nRuntimeDirectory=scanpay\n",
		"\nStateDirectory=scanpay\nStateDirectoryMode=0700\n",
		"\nType=notify\nNotifyAccess=main\nWatchdogSec=30s\n",
		// The folder is open; the socket in it is 0660, group scanpay-pos.
		"\nRuntimeDirectoryMode=0755\n",
		"\nCapabilityBoundingSet=\n",
		"\nSystemCallFilter=@system-service\n",
		"\nDevicePolicy=closed\n",
		"\nWantedBy=multi-user.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", strings.TrimSpace(want), unit)
		}
	}
	// Exit 3 (journal held by another scanpay) clears by itself: restart it.
	for _, bad := range []string{"RestartSec=120", "{{", "@DATA_DIR@", "@CONFIG@", "@ENV_FILE@", "PrivateDevices", "RestartPreventExitStatus=2 3"} {
		if strings.Contains(unit, bad) {
			t.Errorf("unit contains %q:\n%s", bad, unit)
		}
	}
}

// TestUnitListsOnlyGroupsGiven: systemd fails a unit naming a group the
// machine lacks, so the groups line holds exactly what install found; the
// packaged unit has none (postinstall adds the user to the groups).
func TestUnitListsOnlyGroupsGiven(t *testing.T) {
	s := packagedSettings()
	if unit := renderUnit(t, s); strings.Contains(unit, "SupplementaryGroups") {
		t.Errorf("packaged unit names groups:\n%s", unit)
	}
	s.Groups = []string{"dialout"}
	if unit := renderUnit(t, s); !strings.Contains(unit, "\nSupplementaryGroups=dialout\n") {
		t.Errorf("groups line missing:\n%s", unit)
	}
	s.User = ""
	if unit := renderUnit(t, s); strings.Contains(unit, "SupplementaryGroups") {
		t.Errorf("root with groups:\n%s", unit)
	}
}

func TestUnitQuotesADataDirWithSpaces(t *testing.T) {
	unit := renderUnit(t, Settings{DataDir: "/srv/scan pay", Executable: "/opt/scan pay/scanpay", ConfigPath: "/srv/scan pay/etc/scanpay.toml"})
	if !strings.Contains(unit, "\nReadWritePaths=\"/srv/scan pay\"\n") {
		t.Errorf("data dir not quoted:\n%s", unit)
	}
	if !strings.Contains(unit, "\nExecStart=/opt/scan\\x20pay/scanpay \"run\" \"--config\" \"/srv/scan pay/etc/scanpay.toml\"\n") {
		t.Errorf("executable not escaped:\n%s", unit)
	}
	if !strings.Contains(unit, "\nEnvironmentFile=-/srv/scan pay/etc/scanpay.env\n") || !strings.Contains(unit, "\nConditionPathExists=/srv/scan pay/etc/scanpay.toml\n") {
		t.Errorf("the env file and the condition are not beside the configuration:\n%s", unit)
	}
	if strings.Contains(unit, "User=") {
		t.Errorf("no user configured, yet the unit sets one:\n%s", unit)
	}
}

// TestPackagedUnitIsTheGeneratedOne keeps packaging/systemd/scanpay.service
// (what the .deb and .rpm install) identical to what `scanpay install`
// writes. Run with -update after changing the template.
func TestPackagedUnitIsTheGeneratedOne(t *testing.T) {
	unit := renderUnit(t, packagedSettings())
	path := filepath.Join("..", "..", "..", "..", "packaging", "systemd", "scanpay.service")
	if *update {
		if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/scanpay/internal/svc -run Packaged -update)", err)
	}
	if string(b) != unit {
		t.Errorf("%s differs from the generated unit; run with -update:\n--- packaged\n%s\n--- generated\n%s", path, b, unit)
	}
}
