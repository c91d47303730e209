package posapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// listenSocket listens on a Unix socket with mode 0660: the service user
// and its group (the POS's) may connect, nobody else.
func listenSocket(path string) (net.Listener, error) {
	if info, err := os.Lstat(path); err == nil {
		if info.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("api.socket %s exists and is not a socket: remove it or choose another path", path)
		}
		// A socket left by a killed scanpay: if nobody answers on it, it is stale.
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("api.socket %s is in use by another process: stop the other scanpay or choose another path", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("api.socket %s: cannot remove the stale socket: %w", path, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("api.socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("api.socket %s: %w; check that its folder exists and is writable by the service user", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, fmt.Errorf("api.socket %s: %w", path, err)
	}
	return ln, nil
}

// connContext records a Unix-socket peer's credentials for the request log.
func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return ctx
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return ctx
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil || cerr != nil {
		s.log.Warn("POS API socket: peer credentials unavailable", "err", errors.Join(err, cerr))
		return ctx
	}
	p := peer{PID: cred.Pid, UID: int32(cred.Uid), GID: int32(cred.Gid)}
	s.log.Info("POS API socket connection", "peer", p.String())
	return context.WithValue(ctx, peerKey{}, p)
}
