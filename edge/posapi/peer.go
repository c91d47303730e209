package posapi

import (
	"context"
	"fmt"
)

// peer is who is on the other end of a Unix-socket connection, as the
// kernel says (SO_PEERCRED), for the log.
type peer struct{ PID, UID, GID int32 }

func (p peer) String() string { return fmt.Sprintf("pid=%d uid=%d gid=%d", p.PID, p.UID, p.GID) }

type peerKey struct{}

func peerFrom(ctx context.Context) (peer, bool) {
	p, ok := ctx.Value(peerKey{}).(peer)
	return p, ok
}
