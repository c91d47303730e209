//go:build !windows

package svc

import "github.com/kardianos/service"

// platformOptions: systemd takes its restart policy from our unit.
func platformOptions(service.KeyValue) {}
