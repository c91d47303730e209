package scanner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"time"

	"go.bug.st/serial"
)

// serialReadTimeout bounds each serial read so the reader notices its
// context ending; go.bug.st/serial returns (0, nil) when it expires.
const serialReadTimeout = 100 * time.Millisecond

func openSerial(_ context.Context, c Config) (conn, error) {
	path := c.Port
	if runtime.GOOS != "windows" {
		// Resolve each time: /dev/serial/by-id links are re-pointed when
		// the scanner is replugged and may land on another ttyACM.
		resolved, err := filepath.EvalSymlinks(c.Port)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist (unplugged?): %w", c.Port, errNotPresent)
		}
		if err != nil {
			return nil, fmt.Errorf("resolving %s: %w", c.Port, err)
		}
		path = resolved
	}
	p, err := serial.Open(path, c.serialMode())
	if err != nil {
		return nil, serialOpenError(c.Port, err)
	}
	timeout := serialReadTimeout
	if c.Gap > 0 {
		// Gap framing needs to look at the clock within the gap.
		timeout = min(timeout, max(c.Gap/2, 5*time.Millisecond))
	}
	if err := p.SetReadTimeout(timeout); err != nil {
		p.Close()
		return nil, fmt.Errorf("setting read timeout on %s: %w", c.Port, err)
	}
	if runtime.GOOS == "windows" {
		return p, nil // a removed COM port fails its reads; there is no node to look at
	}
	return serialConn{Port: p, link: c.Port, path: path}, nil
}

// serialConn is an open serial port that can tell when its device node
// vanishes: a USB-serial adapter pulled out takes its /dev/ttyUSB* node
// and its /dev/serial/by-id link with it, while reads on the open
// descriptor may just time out.
type serialConn struct {
	serial.Port
	link string // as configured (often a /dev/serial/by-id link)
	path string // what it resolved to when opened
}

// Gone reports the configured path gone, or re-pointed at another device
// (the scanner was replugged and came back under another name).
func (s serialConn) Gone() error {
	resolved, err := filepath.EvalSymlinks(s.link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s vanished (unplugged?)", s.link)
	case err != nil:
		return fmt.Errorf("resolving %s: %w", s.link, err)
	case resolved != s.path:
		return fmt.Errorf("%s now leads to %s, not %s (replugged?)", s.link, resolved, s.path)
	}
	return nil
}

func serialOpenError(port string, err error) error {
	if pe, ok := errors.AsType[*serial.PortError](err); ok {
		switch pe.Code() {
		case serial.PortNotFound:
			return fmt.Errorf("%s not found (unplugged?): %w", port, errNotPresent)
		case serial.PortBusy:
			return fmt.Errorf("%s is busy: another program (or a second scanpay) has it open; close it: %w", port, err)
		case serial.PermissionDenied:
			return fmt.Errorf("no permission to open %s: add the service user to the dialout group (Linux) and restart: %w", port, err)
		}
	}
	return fmt.Errorf("opening %s: %w", port, err)
}
