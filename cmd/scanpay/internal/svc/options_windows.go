//go:build windows

package svc

import "github.com/kardianos/service"

// platformOptions sets the Windows recovery actions: restart 2 s after a
// failure (the counter resets after a day), and a delayed automatic start
// so the network and USB drivers are up first. kardianos/service registers
// the event-log source under Name at install.
func platformOptions(o service.KeyValue) {
	o[service.StartType] = service.ServiceStartAutomatic
	o["DelayedAutoStart"] = true
	o[service.OnFailure] = service.OnFailureRestart
	o[service.OnFailureDelayDuration] = "2s"
	o[service.OnFailureResetPeriod] = 86400
}
