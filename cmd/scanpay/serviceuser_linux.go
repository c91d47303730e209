//go:build linux

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
	"github.com/scanpay/scanpay/cmd/scanpay/internal/svc"
	"github.com/scanpay/scanpay/edge/posapi"
)

// defaultServiceUser: on Linux the service runs as its own user, never as
// root unless asked (--user root).
const defaultServiceUser = svc.DefaultUser

// prepareServiceUser checks that the service user exists, fills in the
// scanner groups it may join, creates data_dir owned by it, and returns
// warnings about files it cannot read. name "root" (or "") runs as root.
func prepareServiceUser(s *svc.Settings, name string, cfg *config.Config) (warnings []string, err error) {
	if name == "" || name == "root" {
		s.User = ""
		return nil, nil
	}
	u, err := user.Lookup(name)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil, &config.Error{Err: fmt.Errorf("the service user %q does not exist: create it with `useradd --system --home %s --shell /usr/sbin/nologin %s` (the .deb/.rpm do this), or run the service as root with --user root", name, cfg.DataDir, name)}
	}
	if err != nil {
		return nil, fmt.Errorf("looking up the service user %q: %w", name, err)
	}
	s.User = name
	// The scanners' groups, and the POS's socket group (so the service may
	// give api.socket to it).
	for _, g := range append(append([]string{}, svc.ScannerGroups...), posapi.SocketGroup) {
		if _, err := user.LookupGroup(g); err == nil {
			s.Groups = append(s.Groups, g)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// systemd will not start a unit whose ReadWritePaths does not exist.
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data_dir %s cannot be created: %w (create it, owned by %s, mode 700)", cfg.DataDir, err, name)
		}
		if err := os.Chown(cfg.DataDir, uid, gid); err != nil {
			return nil, fmt.Errorf("data_dir %s: cannot give it to %s: %w (run: chown %s: %s)", cfg.DataDir, name, err, name, cfg.DataDir)
		}
	} else if info, err := os.Stat(cfg.DataDir); err == nil && !ownedBy(info, uid) {
		warnings = append(warnings, fmt.Sprintf("data_dir %s is not owned by %s, which must write the journal there: chown -R %s: %s", cfg.DataDir, name, name, cfg.DataDir))
	}
	if info, err := os.Stat(cfg.Path); err == nil && !readableBy(info, uid, gid) {
		warnings = append(warnings, fmt.Sprintf("%s is not readable by %s: chgrp %s %s; chmod 640 %s", cfg.Path, name, name, cfg.Path, cfg.Path))
	}
	return warnings, nil
}

func ownedBy(info fs.FileInfo, uid int) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return !ok || int(st.Uid) == uid
}

// readableBy is the owner/group/other read bit that applies to uid/gid
// (supplementary groups aside: the packaged layout uses the user's group).
func readableBy(info fs.FileInfo, uid, gid int) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := info.Mode().Perm()
	switch {
	case int(st.Uid) == uid:
		return perm&0o400 != 0
	case int(st.Gid) == gid:
		return perm&0o040 != 0
	}
	return perm&0o004 != 0
}
