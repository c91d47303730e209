//go:build !windows

package svc

import (
	"context"

	"github.com/kardianos/service"
)

// Interactive reports whether scanpay runs from a terminal rather than
// under a service manager.
func Interactive() bool { return service.Interactive() }

// Run runs fn under the service manager until it stops the service.
func Run(s Settings, fn func(ctx context.Context) error) error {
	svc, err := New(s, fn)
	if err != nil {
		return err
	}
	return svc.Run()
}
