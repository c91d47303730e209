//go:build !linux && !windows

package main

import (
	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
)

// defaultServiceUser: elsewhere the service manager's own account
// runs it.
const defaultServiceUser = ""

func prepareServiceUser(s *svc.Settings, name string, _ *config.Config) ([]string, error) {
	s.User = name
	return nil, nil
}
