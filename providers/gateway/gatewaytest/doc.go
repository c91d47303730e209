// Package gatewaytest is the omni-channel gateway's side of the login, for
// the wallet simulators that sit behind it (easywallettest, ipasstest): the
// login endpoint, bearer-token checking, token expiry on demand, and strict
// JSON field checks the simulators share.
//
// It must not know any wallet's payment format or ledger.
package gatewaytest
