//go:build windows

package svc

import (
	"testing"

	"github.com/kardianos/service"
)

func TestWindowsRecoveryOptions(t *testing.T) {
	o := Config(Settings{}).Option
	if o[service.OnFailure] != service.OnFailureRestart || o["DelayedAutoStart"] != true || o[service.OnFailureDelayDuration] != "2s" {
		t.Errorf("windows options: %v", o)
	}
}
