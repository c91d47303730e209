//go:build !windows

package fileperm

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

func openFile(path string, follow bool) (*os.File, error) {
	// O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer
	// (and a start-up would hang there); it changes nothing for a file.
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0)
	if !follow && errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
		return nil, fmt.Errorf("%s is a symbolic link, %w: scanpay does not follow links here; point the setting at the file itself", path, ErrNotRegular)
	}
	return f, err
}

func stat(f *os.File) (os.FileMode, *syscall.Stat_t, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, nil, fmt.Errorf("%s: no owner information", f.Name())
	}
	return st.Mode().Perm(), sys, nil
}

// EveryoneMayRead names who, beyond the owner and the file's group, may
// read f ("" when nobody): every user when the other-read bit is set.
func EveryoneMayRead(f *os.File) (string, error) {
	perm, _, err := stat(f)
	if err != nil || perm&0o004 == 0 {
		return "", err
	}
	return fmt.Sprintf("every user (mode %04o)", perm), nil
}

// OthersMayRead names who besides the owner may read f ("" when
// nobody): the file's group or every user.
func OthersMayRead(f *os.File) (string, error) {
	perm, _, err := stat(f)
	if err != nil || perm&0o044 == 0 {
		return "", err
	}
	if perm&0o004 != 0 {
		return fmt.Sprintf("every user (mode %04o)", perm), nil
	}
	return fmt.Sprintf("its group (mode %04o)", perm), nil
}

// OthersMayWrite names who besides root and this process's user may
// change f ("" when nobody): every user when the other-write bit is set,
// or the file's group when it may write and is neither root's group nor
// this process's.
func OthersMayWrite(f *os.File) (string, error) {
	perm, sys, err := stat(f)
	if err != nil {
		return "", err
	}
	switch {
	case perm&0o002 != 0:
		return fmt.Sprintf("every user (mode %04o)", perm), nil
	case perm&0o020 != 0 && sys.Gid != 0 && int(sys.Gid) != os.Getegid():
		return fmt.Sprintf("group %s (mode %04o)", groupName(sys.Gid), perm), nil
	}
	return "", nil
}

// Owner names f's owner and says whether it is trusted: root or the user
// this process runs as.
func Owner(f *os.File) (name string, trusted bool, err error) {
	_, sys, err := stat(f)
	if err != nil {
		return "", false, err
	}
	return userName(sys.Uid), sys.Uid == 0 || int(sys.Uid) == os.Geteuid(), nil
}

// FixRead is the command that leaves path readable by its owner and group
// only.
func FixRead(path string) string { return "chmod o-rwx " + path }

// FixWrite is the command that leaves path changeable by root only.
func FixWrite(path string) string { return "chown root " + path + "; chmod go-w " + path }

// FixOwner is the command that gives path to this process's user.
func FixOwner(path string) string { return "chown " + userName(uint32(os.Geteuid())) + " " + path }

// RestrictToOwner does nothing on Unix: the modes (0600 for a file, 0700
// for a folder) given at creation and checked at each read do the job.
func RestrictToOwner(string) error { return nil }

func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return strconv.FormatUint(uint64(uid), 10)
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
		return g.Name
	}
	return strconv.FormatUint(uint64(gid), 10)
}
