package posapi

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// The socket belongs to the POS's group (scanpay-pos), not to the
// service's own group, which may read the wallet keys.
func TestSocketGoesToThePOSGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the socket to another group")
	}
	g, err := user.LookupGroup("daemon")
	if err != nil {
		t.Skip("no group daemon on this machine to stand in for scanpay-pos")
	}
	old := SocketGroup
	SocketGroup = "daemon"
	defer func() { SocketGroup = old }()
	path := filepath.Join(t.TempDir(), "api.sock")
	ln, err := listenSocket(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if gid := strconv.Itoa(int(st.Sys().(*syscall.Stat_t).Gid)); gid != g.Gid || st.Mode().Perm() != 0o660 {
		t.Errorf("socket group %s mode %v, want group %s (daemon) mode 0660", gid, st.Mode().Perm(), g.Gid)
	}
}
