package main

import (
	"path/filepath"
	"testing"

	"github.com/scanpay/scanpay/cmd/scanpay/internal/config"
)

// TestWindowsExampleConfig keeps packaging/windows/scanpay.example.toml
// (what the MSI installs) loadable on Windows, with its Windows paths.
func TestWindowsExampleConfig(t *testing.T) {
	path := exampleConfigFrom(t, filepath.Join("..", "..", "packaging", "windows", "scanpay.example.toml"))
	cfg, err := config.Load(path, config.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != `C:\ProgramData\scanpay\data` || len(cfg.Wallets) != 4 || len(cfg.Scanners) != 1 || cfg.Scanners[0].Port != "COM3" || len(cfg.Hooks) != 1 {
		t.Errorf("the Windows example decoded to data_dir %q, %d wallets, scanners %+v, %d hooks", cfg.DataDir, len(cfg.Wallets), cfg.Scanners, len(cfg.Hooks))
	}
}
