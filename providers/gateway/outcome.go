package gateway

import (
	"errors"

	"github.com/scanpay/scanpay/providers"
)

// Outcome classifies an error returned by Post for the engine: a refused
// login or authorisation is for the administrator (ConfigError, nothing
// moved); anything else without an answer is Unknown, with NotSent when the
// request provably never left.
func Outcome(err error) providers.Outcome {
	var le *LoginError
	var ae *AuthError
	var se *SendError
	switch {
	case errors.As(err, &le):
		return providers.Outcome{Kind: providers.ConfigError, Code: "login", Message: le.Error()}
	case errors.As(err, &ae):
		return providers.Outcome{Kind: providers.ConfigError, Code: "401", Message: ae.Error()}
	case errors.As(err, &se):
		return providers.Outcome{Kind: providers.Unknown, Message: se.Error(), NotSent: se.NotSent}
	}
	return providers.Outcome{Kind: providers.Unknown, Message: err.Error()}
}
