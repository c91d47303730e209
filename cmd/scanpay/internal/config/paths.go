package config

import (
	"os"
	"path/filepath"
	"runtime"

	"github.com/scanpay/scanpay/internal/fspath"
)

// DefaultPath is where `scanpay run` looks for its configuration when
// --config is not given.
func DefaultPath() string {
	switch runtime.GOOS {
	case "windows":
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return filepath.Join(base, "scanpay", "scanpay.toml")
	case "darwin":
		return "/usr/local/etc/scanpay/scanpay.toml"
	}
	return "/etc/scanpay/scanpay.toml"
}

// SandboxDataDir is the user's own data folder for the SANDBOX journal:
// $XDG_DATA_HOME/scanpay/sandbox (~/.local/share/…) on Linux,
// %LocalAppData%\scanpay\sandbox on Windows, ~/Library/Application
// Support/scanpay/sandbox on macOS.
func SandboxDataDir() (string, error) {
	var base string
	var err error
	switch runtime.GOOS {
	case "windows":
		base, err = os.UserCacheDir() // %LocalAppData%
	case "darwin", "ios", "plan9":
		base, err = os.UserConfigDir()
	default:
		base = os.Getenv("XDG_DATA_HOME")
		if base == "" || !filepath.IsAbs(base) {
			var home string
			home, err = os.UserHomeDir()
			base = filepath.Join(home, ".local", "share")
		}
	}
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "scanpay", "sandbox"), nil
}

// resolve makes p absolute from base, the config file's folder.
func resolve(base, p string) string { return fspath.Resolve(base, p) }
