package main

import (
	"strings"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
)

// defaultServiceUser: the service's own virtual account, never LocalSystem
// unless asked (--user LocalSystem).
const defaultServiceUser = svc.DefaultAccount

// prepareServiceUser names the account; LocalService and LocalSystem are
// accepted in their short forms.
func prepareServiceUser(s *svc.Settings, name string, _ *config.Config) ([]string, error) {
	switch strings.ToLower(name) {
	case "localservice", strings.ToLower(svc.AccountLocalService):
		name = svc.AccountLocalService
	case "", "localsystem":
		name = svc.AccountLocalSystem
	}
	s.User = name
	return nil, nil
}
