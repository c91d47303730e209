package svc

import (
	"path/filepath"
	"strings"
)

// Name is the service's name everywhere: the systemd unit, the Windows
// service, the event-log source.
const Name = "scanpay"

// unitTemplate is our systemd unit in kardianos/service v1.3's template
// language ({{Key}}, not {{.Key}}). @DATA_DIR@, @CONFIG@ and @ENV_FILE@
// are replaced before the library sees it: ProtectSystem=strict leaves the
// whole file system read-only except the data folder, where the journal,
// the token and the logs live (and /run/scanpay for api.socket).
const unitTemplate = `[Unit]
Description={{Description}}
Documentation=https://github.com/scanpay/scanpay
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target
# A payment service never gives up restarting...
StartLimitIntervalSec=0
# ...but without its configuration it does not start at all (it would
# refuse with exit code 2 every two seconds).
ConditionPathExists=@CONFIG@
{{range Dependencies}}{{.}}
{{end}}
[Service]
# READY=1 once the POS API answers: a POS unit ordered After=scanpay.service
# starts only then. A daemon whose API stops answering misses its watchdog
# pings and is restarted.
Type=notify
NotifyAccess=main
WatchdogSec=30s
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
# Wallet secrets given as *_env keys are read from here (optional file;
# root-owned, mode 0640, group scanpay): SCANPAY_JKOPAY_KEY=...
EnvironmentFile=-@ENV_FILE@
{{if UserName}}User={{UserName}}
{{end}}@GROUPS@Restart=always
RestartSec=2
# Exit 2 is a configuration or usage error: restarting cannot fix it; fix
# the file (scanpay check-config), then systemctl restart scanpay. Exit 3
# (another scanpay holds the journal) is restarted: it clears by itself
# once the other one stops.
RestartPreventExitStatus=2
# SIGTERM lets requests in flight finish and the journal close cleanly.
KillSignal=SIGTERM
TimeoutStopSec=45
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=@DATA_DIR@
@STATE_DIR@# /run/scanpay, for api.socket: the POS's user joins group scanpay-pos,
# which may use the socket and nothing else (the secrets are the service
# user's alone).
RuntimeDirectory=scanpay
RuntimeDirectoryMode=0755
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
# AF_NETLINK: USB hot-plug notices for HID scanners.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# No capabilities, no privileged system calls: scanpay needs none.
CapabilityBoundingSet=
AmbientCapabilities=
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
ProtectProc=invisible
ProcSubset=pid
ProtectHostname=yes
RemoveIPC=yes
KeyringMode=private
PrivateMounts=yes
# Devices: only the scanner classes (serial: ttyACM/ttyUSB/ttyS; USB HID
# through libusb: usb_device, /dev/bus/usb, and hidraw). PrivateUsers= is
# not set: it would map the dialout and plugdev groups to nobody, and
# the scanners could no longer be opened.
DevicePolicy=closed
DeviceAllow=char-ttyACM rw
DeviceAllow=char-ttyUSB rw
DeviceAllow=char-ttyS rw
DeviceAllow=char-usb_device rw
DeviceAllow=char-hidraw rw
{{range EnvVars}}{{.}}
{{end}}
[Install]
WantedBy=multi-user.target
`

// DefaultEnvFile is the environment file of the packaged unit.
const DefaultEnvFile = "/etc/scanpay/scanpay.env"

// EnvFile is the environment file the unit reads: scanpay.env beside the
// configuration file (DefaultEnvFile for the packaged one).
func EnvFile(configPath string) string {
	if configPath == "" {
		return DefaultEnvFile
	}
	return filepath.Join(filepath.Dir(configPath), "scanpay.env")
}

// UnitTemplate returns the systemd unit template for a service.
func UnitTemplate(s Settings) string {
	return strings.NewReplacer(
		"@DATA_DIR@", unitPath(s.DataDir),
		// Condition…= and EnvironmentFile= take the rest of the line as
		// one path: no quotes.
		"@CONFIG@", rawPath(configPath(s.ConfigPath)),
		"@ENV_FILE@", rawPath(EnvFile(s.ConfigPath)),
		"@GROUPS@", groupsLine(s),
		"@STATE_DIR@", stateDirLines(s.DataDir),
	).Replace(unitTemplate)
}

// configPath is the file the service runs with: without --config,
// `scanpay run` reads the OS's default file.
func configPath(p string) string {
	if p == "" {
		return DefaultConfig
	}
	return p
}

// DefaultConfig is the configuration file of the packaged unit.
const DefaultConfig = "/etc/scanpay/scanpay.toml"

// unitPath quotes a path for a unit line and keeps it data to the template
// engine, never an action.
func unitPath(p string) string {
	if strings.ContainsAny(p, " \t") {
		p = `"` + p + `"`
	}
	return rawPath(p)
}

// groupsLine gives a service user the scanner groups. systemd refuses to
// start a unit naming a group this machine lacks (plugdev is missing on
// Fedora), so only groups that exist are listed; root needs none.
func groupsLine(s Settings) string {
	if s.User == "" || len(s.Groups) == 0 {
		return ""
	}
	return "# serial scanners (dialout), USB HID scanners through libusb (plugdev),\n# the POS's socket group (scanpay-pos)\nSupplementaryGroups=" + strings.Join(s.Groups, " ") + "\n"
}

// stateDirLines: a data folder directly under /var/lib is the unit's
// StateDirectory, so systemd creates it, owned by the service user, before
// the start (mode 0700, as scanpay install makes it).
func stateDirLines(dataDir string) string {
	if filepath.Dir(dataDir) != "/var/lib" || strings.ContainsAny(dataDir, " \t{") {
		return ""
	}
	return "StateDirectory=" + filepath.Base(dataDir) + "\nStateDirectoryMode=0700\n"
}

func rawPath(p string) string { return strings.ReplaceAll(p, "{{", "{ {") }
