package posapi

import (
	"fmt"
	"net"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// listenPipe listens on the named pipe with an access list for scanpay's
// own account and the accounts or groups in allow (the POS's user or
// group: "POS-PC\pos", "Users", or a SID string).
func listenPipe(name string, allow []string) (net.Listener, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("api.pipe %s: cannot find the account scanpay runs as: %w", name, err)
	}
	sids := make([]string, 0, len(allow))
	for i, a := range allow {
		sid, err := lookupSID(a)
		if err != nil {
			return nil, fmt.Errorf("api.pipe_allow[%d] = %q: %w; name an existing user or group (for example \"Users\" or \"POS-PC\\\\pos\") or give its SID", i, a, err)
		}
		sids = append(sids, sid)
	}
	ln, err := winio.ListenPipe(name, &winio.PipeConfig{
		SecurityDescriptor: pipeSDDL(tu.User.Sid.String(), sids),
		InputBufferSize:    64 << 10,
		OutputBufferSize:   64 << 10,
	})
	if err != nil {
		return nil, fmt.Errorf("api.pipe %s: %w; is another scanpay running? Stop it or choose another pipe name", name, err)
	}
	return ln, nil
}

// lookupSID answers a SID string for an account or group name, or for a
// SID string itself.
func lookupSID(name string) (string, error) {
	if sid, err := windows.StringToSid(name); err == nil {
		return sid.String(), nil
	}
	sid, _, _, err := windows.LookupSID("", name)
	if err != nil {
		return "", fmt.Errorf("no such account or group: %w", err)
	}
	return sid.String(), nil
}
