//go:build !windows

package demo

import (
	"os"

	"github.com/creack/pty"
)

// virtualScanner is a pseudo-terminal: scanpay opens its slave as a serial
// port, the demo types codes into its master, as a serial scanner would.
type virtualScanner struct {
	master, slave *os.File
}

func openVirtualScanner() (*virtualScanner, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, err
	}
	return &virtualScanner{master: m, slave: s}, nil
}

// Port is the serial port path for [[scanners]].
func (v *virtualScanner) Port() string { return v.slave.Name() }

// Type sends one code with the scanner's CR terminator.
func (v *virtualScanner) Type(code string) error {
	_, err := v.master.Write([]byte(code + "\r"))
	return err
}

// Close unplugs the scanner. The slave is kept open until here so the
// master never sees a hang-up while scanpay reopens the port.
func (v *virtualScanner) Close() {
	v.master.Close()
	v.slave.Close()
}
