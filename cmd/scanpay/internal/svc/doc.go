// Package svc installs, controls and runs scanpay as an operating-system
// service through github.com/kardianos/service: systemd on Linux with our
// own unit (the library's default restarts only after 120 s and has no
// hardening), the Windows service manager with restart-on-failure recovery
// actions, delayed auto-start and an event-log source, registered by our
// own Install (mandatory settings first, then each optional one on its
// own, a refusal a warning) under the virtual account NT SERVICE\scanpay.
//
// It owns the service definition and the start/stop plumbing. It must not
// know what the daemon does: it runs a func(ctx) error until told to stop.
package svc
