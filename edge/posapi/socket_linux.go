package posapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"strconv"

	"golang.org/x/sys/unix"
)

// SocketGroup is the group whose members (the POS's user) may connect to
// api.socket. It is not the service's own group, which may read the
// wallet keys: a POS gets the socket and nothing else. When the group
// does not exist, the socket keeps the service's group.
var SocketGroup = "scanpay-pos"

// listenSocket listens on a Unix socket with mode 0660: the service user
// and SocketGroup may connect, nobody else.
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
	if g, err := user.LookupGroup(SocketGroup); err == nil {
		gid, _ := strconv.Atoi(g.Gid)
		if err := os.Chown(path, -1, gid); err != nil {
			ln.Close()
			return nil, fmt.Errorf("api.socket %s: cannot give it to group %s: %w; the service user must be in that group (SupplementaryGroups=%s in the unit, or usermod -a -G %s <service user>)", path, SocketGroup, err, SocketGroup, SocketGroup)
		}
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
