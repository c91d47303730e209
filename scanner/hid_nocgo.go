//go:build !cgo

package scanner

import (
	"context"
	"fmt"
)

// HIDSupported reports whether this build can open USB HID scanners: a
// build without cgo cannot (the HID library would silently find nothing).
func HIDSupported() bool { return false }

func openHID(context.Context, Config) (conn, error) {
	return nil, fmt.Errorf("%w: use a build with cgo, or switch the scanner to USB-serial (COM) mode", errHIDUnsupported)
}

func enumerateHID() ([]HIDDevice, error) { return nil, errHIDUnsupported }
