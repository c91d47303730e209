package posapi

import (
	"fmt"
	"strings"
)

// DefaultPipe is the conventional name of the POS API's named pipe on
// Windows (api.pipe).
const DefaultPipe = `\\.\pipe\scanpay`

// pipeSDDL is the named pipe's security descriptor: a protected access
// list (nothing inherited) giving full control to SYSTEM, the
// Administrators and the account scanpay runs as (owner, a SID string),
// and read/write to each allowed SID, nobody else. It is the counterpart
// of the Unix socket's mode 0660: connecting needs an entry here, and the
// bearer token on top, as on the socket.
func pipeSDDL(owner string, allowed []string) string {
	var b strings.Builder
	b.WriteString("D:P(A;;GA;;;SY)(A;;GA;;;BA)")
	fmt.Fprintf(&b, "(A;;GA;;;%s)", owner)
	for _, sid := range allowed {
		fmt.Fprintf(&b, "(A;;GRGW;;;%s)", sid)
	}
	return b.String()
}

// checkPipeName: a local pipe, \\.\pipe\<name>, nothing else.
func checkPipeName(name string) error {
	rest, ok := strings.CutPrefix(name, `\\.\pipe\`)
	if !ok || rest == "" || strings.ContainsAny(rest, `\/`) {
		return fmt.Errorf("api.pipe = %q is not a local named pipe: write it as '%s' (TOML single quotes keep the backslashes)", name, DefaultPipe)
	}
	return nil
}
