//go:build !windows

package posapi

import (
	"fmt"
	"net"
)

// listenPipe: named pipes are Windows's (Config.Validate says so).
func listenPipe(name string, _ []string) (net.Listener, error) {
	return nil, fmt.Errorf("api.pipe %s: named pipes are supported on Windows only; remove api.pipe (on Linux use api.socket)", name)
}
