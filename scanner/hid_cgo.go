//go:build cgo

package scanner

import (
	"context"
	"fmt"

	"github.com/karalabe/hid"
)

// HIDSupported reports whether this build can open USB HID scanners.
func HIDSupported() bool { return hid.Supported() }

// hidConn gives a hidapi device the conn shape: reads with a timeout, and
// Gone by enumeration (on some systems a removed device's reads only time
// out).
type hidConn struct {
	dev      hid.Device
	vid, pid uint16
	path     string // the platform's path of the opened device
}

func (h hidConn) Gone() error {
	infos, err := hid.Enumerate(h.vid, h.pid)
	if err != nil {
		return nil // cannot tell: the reads will say
	}
	for _, in := range infos {
		if in.Path == h.path {
			return nil
		}
	}
	return fmt.Errorf("USB HID device %04x:%04x is no longer connected (unplugged?)", h.vid, h.pid)
}

func (h hidConn) Read(p []byte) (int, error) { return h.dev.ReadTimeout(p, hidReadTimeoutMS) }
func (h hidConn) Close() error               { return h.dev.Close() }

func openHID(_ context.Context, c Config) (conn, error) {
	vid, _ := parseHex16(c.VID)
	pid, _ := parseHex16(c.PID)
	infos, err := hid.Enumerate(vid, pid)
	if err != nil {
		return nil, fmt.Errorf("listing USB HID devices: %w", err)
	}
	var match []hid.DeviceInfo
	for _, in := range infos {
		if (c.Serial == "" || in.Serial == c.Serial) && (c.Interface == nil || in.Interface == *c.Interface) {
			match = append(match, in)
		}
	}
	if len(match) == 0 {
		return nil, fmt.Errorf("no USB HID device %s (serial %q) is connected: %w", c.device(), c.Serial, errNotPresent)
	}
	pick := match[0]
	// Windows and macOS list one entry per top-level collection: a
	// HID-POS scanner's scanned-data reports come on page 0x8C.
	for _, in := range match {
		if c.Mode == "pos" && in.UsagePage == usagePagePOS {
			pick = in
			break
		}
	}
	dev, err := pick.Open()
	if err != nil {
		return nil, fmt.Errorf("opening USB HID device %s: %w: on Linux install packaging/udev/60-scanpay-hid.rules (with this VID/PID) and replug; on Windows use mode = \"pos\"", c.device(), err)
	}
	return hidConn{dev: dev, vid: vid, pid: pid, path: pick.Path}, nil
}

func enumerateHID() ([]HIDDevice, error) {
	infos, err := hid.Enumerate(0, 0)
	if err != nil {
		return nil, err
	}
	out := make([]HIDDevice, 0, len(infos))
	for _, in := range infos {
		out = append(out, HIDDevice{
			VID: fmt.Sprintf("%04x", in.VendorID), PID: fmt.Sprintf("%04x", in.ProductID),
			Manufacturer: in.Manufacturer, Product: in.Product, Serial: in.Serial,
			Interface: in.Interface, UsagePage: in.UsagePage, Usage: in.Usage, Path: in.Path,
		})
	}
	return out, nil
}
