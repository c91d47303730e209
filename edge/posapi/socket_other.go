//go:build !linux

package posapi

import (
	"context"
	"fmt"
	"net"
)

// listenSocket: the Unix socket with peer credentials is Linux-only
// (Config.Validate says so); elsewhere the loopback port and token serve.
func listenSocket(path string) (net.Listener, error) {
	return nil, fmt.Errorf("api.socket %s: Unix sockets are supported on Linux only; remove api.socket", path)
}

func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context { return ctx }
