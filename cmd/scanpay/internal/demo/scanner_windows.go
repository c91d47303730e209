//go:build windows

package demo

import "errors"

type virtualScanner struct{}

// openVirtualScanner: Windows has no pseudo-terminal a serial library can
// open; the demo then sends its scans through POST /v1/scans, as a POS
// with its own scanner does.
func openVirtualScanner() (*virtualScanner, error) {
	return nil, errors.New("no virtual serial port on Windows")
}

func (v *virtualScanner) Port() string      { return "" }
func (v *virtualScanner) Type(string) error { return errors.New("no virtual serial port on Windows") }
func (v *virtualScanner) Close()            {}
