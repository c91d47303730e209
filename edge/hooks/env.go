package hooks

import (
	"regexp"
	"strings"
)

// An exec hook does not inherit scanpay's environment: that holds what the
// service was started with (the unit's EnvironmentFile may carry wallet
// keys), and a printer script needs none of it. It gets these variables,
// when scanpay has them, then the ones its config's env key names, then
// the SCANPAY_* variables of the delivery.
var (
	// hookEnvNames: finding programs, the time zone and the language.
	hookEnvNames = []string{"PATH", "TZ", "LANG"}
	// hookEnvNamesWindows: what Windows programs (cmd.exe, PowerShell,
	// printer drivers) fail without: the system drive and folder, the
	// shell, the program extensions, and the temporary folder.
	hookEnvNamesWindows = []string{"SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT", "TEMP", "TMP"}
)

// envName is what the env key accepts: letters, digits and '_' (Windows'
// "ProgramFiles(x86)" also needs the parentheses).
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_()]*$`)

// hookEnv is an exec hook's whole environment on goos: the names above and
// extra (each once; on Windows names are case-insensitive) with the values
// lookup gives, then the delivery's own variables.
func hookEnv(goos string, extra []string, lookup func(string) (string, bool), r Receipt) []string {
	names := append([]string(nil), hookEnvNames...)
	if goos == "windows" {
		names = append(names, hookEnvNamesWindows...)
	}
	names = append(names, extra...)
	seen := map[string]bool{}
	var env []string
	for _, n := range names {
		key := n
		if goos == "windows" {
			key = strings.ToUpper(n)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		if v, ok := lookup(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return append(env,
		"SCANPAY_DELIVERY_ID="+r.DeliveryID,
		"SCANPAY_PAYMENT_ID="+r.PaymentID,
		"SCANPAY_STATE="+string(r.State),
		"SCANPAY_REFUND_ID="+r.RefundID,
	)
}
