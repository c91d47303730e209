//go:build !windows

package svc

// Install registers the service (systemd: our unit, enabled).
func Install(s Settings) (warnings []string, err error) {
	return nil, Control(s, "install")
}

// Uninstall stops and removes the service.
func Uninstall() error { return Control(Settings{}, "uninstall") }
