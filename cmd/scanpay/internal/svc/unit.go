package svc

import (
	"strings"
)

// Name is the service's name everywhere: the systemd unit, the Windows
// service, the event-log source.
const Name = "scanpay"

// unitTemplate is our systemd unit in kardianos/service v1.3's template
// language ({{Key}}, not {{.Key}}). @DATA_DIR@ is replaced before the
// library sees it: ProtectSystem=strict leaves the whole file system
// read-only except the data folder, where the journal, the token and the
// logs live.
const unitTemplate = `[Unit]
Description={{Description}}
Documentation=https://github.com/scanpay/scanpay
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target
# A payment service never gives up restarting.
StartLimitIntervalSec=0
{{range Dependencies}}{{.}}
{{end}}
[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
{{if UserName}}User={{UserName}}
# serial scanners (dialout) and USB HID scanners through libusb (plugdev)
SupplementaryGroups=dialout plugdev
{{end}}Restart=always
RestartSec=2
# SIGTERM lets requests in flight finish and the journal close cleanly.
KillSignal=SIGTERM
TimeoutStopSec=45
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=@DATA_DIR@
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
{{range EnvVars}}{{.}}
{{end}}
[Install]
WantedBy=multi-user.target
`

// UnitTemplate returns the systemd unit template for a data folder.
func UnitTemplate(dataDir string) string {
	p := dataDir
	if strings.ContainsAny(p, " \t") {
		p = `"` + p + `"`
	}
	// The path is data to the template engine, never an action.
	p = strings.ReplaceAll(p, "{{", "{ {")
	return strings.ReplaceAll(unitTemplate, "@DATA_DIR@", p)
}
