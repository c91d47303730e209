//go:build !windows

package vscanner

import (
	"os"

	"github.com/creack/pty"
)

// Scanner is a pseudo-terminal: scanpay opens its slave as a serial
// port, the demo or the bench types codes into its master, as a serial scanner would.
type Scanner struct {
	master, slave *os.File
}

func Open() (*Scanner, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, err
	}
	return &Scanner{master: m, slave: s}, nil
}

// Port is the serial port path for [[scanners]].
func (v *Scanner) Port() string { return v.slave.Name() }

// Type sends one code with the scanner's CR terminator.
func (v *Scanner) Type(code string) error {
	_, err := v.master.Write([]byte(code + "\r"))
	return err
}

// Close unplugs the scanner. The slave is kept open until here so the
// master never sees a hang-up while scanpay reopens the port.
func (v *Scanner) Close() {
	v.master.Close()
	v.slave.Close()
}
