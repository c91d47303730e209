package scanner

import (
	"context"
	"errors"

	"github.com/scanpay/scanpay/scanner/hidpos"
	"github.com/scanpay/scanpay/scanner/keyboard"
)

// hidReadTimeoutMS bounds each HID read, so readers notice their context
// ending: hidapi's timeout 0 does not reliably mean "block".
const hidReadTimeoutMS = 100

// hidReportSize fits any input report of a full-speed HID device.
const hidReportSize = 64

func (m *Manager) readKeyboard(ctx context.Context, d *device, c conn, s sink) error {
	layout, _ := keyboard.LayoutByName(d.cfg.Layout)
	dec := keyboard.NewDecoder(layout, d.cfg.MaxFrame)
	buf := make([]byte, hidReportSize)
	warned := false
	w := newWatch(c)
	for ctx.Err() == nil {
		if err := w.gone(); err != nil {
			return err
		}
		n, err := c.Read(buf)
		if n > 0 {
			lines, derr := dec.Report(buf[:n])
			if derr != nil && !warned {
				warned = true // once per connection: every report would repeat it
				m.log.Warn("scanner: report not understood", "device", d.cfg.Name, "lane", d.cfg.TerminalID, "err", derr)
			}
			for _, l := range lines {
				m.deliver(ctx, d, s, []byte(l.Text), "", l.Err)
			}
		}
		if err != nil {
			return readError(err)
		}
	}
	return nil
}

func (m *Manager) readPOS(ctx context.Context, d *device, c conn, s sink) error {
	layout, _ := hidpos.LayoutByName(d.cfg.POSLayout)
	dec := hidpos.NewDecoder(layout, d.cfg.MaxFrame)
	buf := make([]byte, hidReportSize)
	w := newWatch(c)
	for ctx.Err() == nil {
		if err := w.gone(); err != nil {
			return err
		}
		n, err := c.Read(buf)
		if n > 0 {
			if b, ok := dec.Report(buf[:n]); ok {
				m.deliver(ctx, d, s, b.Data, b.Symbology, b.Err)
			}
		}
		if err != nil {
			return readError(err)
		}
	}
	return nil
}

// errHIDUnsupported is what opening a HID scanner says in a build
// without HID support.
var errHIDUnsupported = errors.New("USB HID is not supported by this build (no cgo)")
