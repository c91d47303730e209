package fspath

import (
	"os"
	"path/filepath"
	"strings"
)

// Resolve makes p absolute from base, the configuration file's folder. An
// empty p stays empty; an absolute p is kept.
//
// On Windows two more kinds of path are not absolute and yet not relative
// to a folder: `\ProgramData\scanpay` (rooted, no drive) means that folder
// on the current drive, and `D:data` (a drive, no root) a folder on drive
// D. A service's current drive is not the administrator's to choose, so
// the first takes base's drive and the second is read from its drive's
// root. Joined to base, either would become a folder nobody meant (such
// as C:\ProgramData\scanpay\ProgramData\scanpay).
func Resolve(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if vol := filepath.VolumeName(p); vol != "" {
		return filepath.Join(vol+string(os.PathSeparator), p[len(vol):])
	}
	if strings.HasPrefix(p, string(os.PathSeparator)) || (os.PathSeparator == '\\' && strings.HasPrefix(p, "/")) {
		return filepath.Join(filepath.VolumeName(base), p)
	}
	return filepath.Join(base, p)
}
