//go:build windows

package vscanner

import "errors"

// Scanner is absent on Windows.
type Scanner struct{}

// Open: Windows has no pseudo-terminal a serial library can
// open; callers send scans through POST /v1/scans instead, as a POS
// with its own scanner does.
func Open() (*Scanner, error) {
	return nil, errors.New("no virtual serial port on Windows")
}

func (v *Scanner) Port() string      { return "" }
func (v *Scanner) Type(string) error { return errors.New("no virtual serial port on Windows") }
func (v *Scanner) Close()            {}
