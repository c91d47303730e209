package scanner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"go.bug.st/serial/enumerator"
)

// Discovery is what `scanpay devices` shows: the serial ports and HID
// devices present now, with configuration hints for those that look like
// scanners.
type Discovery struct {
	Serial []SerialPort `json:"serial"`
	HID    []HIDDevice  `json:"hid"`
	Notes  []string     `json:"notes,omitempty"`
}

// SerialPort is one serial port.
type SerialPort struct {
	Port    string `json:"port"`
	ByID    string `json:"by_id,omitempty"` // a /dev/serial/by-id link to it: survives re-plugging
	USB     bool   `json:"usb"`
	VID     string `json:"vid,omitempty"`
	PID     string `json:"pid,omitempty"`
	Serial  string `json:"serial,omitempty"`
	Vendor  string `json:"vendor,omitempty"` // a known scanner maker, by VID
	Scanner bool   `json:"looks_like_scanner"`
	Hint    string `json:"hint,omitempty"` // [[scanners]] lines that would use it
}

// HIDDevice is one USB HID device (one interface or collection of it).
type HIDDevice struct {
	VID          string `json:"vid"`
	PID          string `json:"pid"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
	Interface    int    `json:"interface"`
	UsagePage    uint16 `json:"usage_page"` // 0 on Linux (libusb cannot tell)
	Usage        uint16 `json:"usage"`
	Path         string `json:"path"`
	Vendor       string `json:"vendor,omitempty"`
	Scanner      bool   `json:"looks_like_scanner"`
	Hint         string `json:"hint,omitempty"`
}

// scannerVendors are USB vendor ids of barcode-scanner makers.
var scannerVendors = map[string]string{
	"0c2e": "Honeywell",
	"0536": "Hand Held Products (Honeywell)",
	"05e0": "Zebra (Symbol)",
	"05f9": "Datalogic",
	"080c": "Datalogic",
	"065a": "Opticon",
	"1eab": "Newland",
}

// windowsKeyboardNote is shown on Windows, where keyboard-class HID
// devices cannot be opened by any program but Windows itself.
const windowsKeyboardNote = "Windows cannot hand keyboard-mode scanners to scanpay: switch each scanner to HID-POS mode (scan the \"USB HID-POS\" code in its setup guide; then kind = \"hid\", mode = \"pos\") or to USB-serial/COM mode (\"USB CDC\" or \"USB COM port emulation\"; then kind = \"serial\", port = \"COMn\")."

// Discover lists serial ports and HID devices. Call it on demand only:
// listing serial ports on Linux opens every ttyS* and resets it to 9600
// baud, which can disturb a receipt printer.
func Discover(ctx context.Context) (Discovery, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return Discovery{}, fmt.Errorf("listing serial ports: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Discovery{}, err
	}
	var hids []HIDDevice
	var hidErr error
	if HIDSupported() {
		hids, hidErr = enumerateHID()
	} else {
		hidErr = errHIDUnsupported
	}
	return buildDiscovery(ports, byIDLinks("/dev/serial/by-id"), hids, hidErr, runtime.GOOS), ctx.Err()
}

// byIDLinks maps each port a by-id link points to onto the link.
func byIDLinks(dir string) map[string]string {
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		link := filepath.Join(dir, e.Name())
		if target, err := filepath.EvalSymlinks(link); err == nil {
			out[target] = link
		}
	}
	return out
}

func buildDiscovery(ports []*enumerator.PortDetails, byID map[string]string, hids []HIDDevice, hidErr error, goos string) Discovery {
	var d Discovery
	for _, p := range ports {
		sp := SerialPort{Port: p.Name, ByID: byID[p.Name], USB: p.IsUSB, VID: strings.ToLower(p.VID), PID: strings.ToLower(p.PID), Serial: p.SerialNumber}
		sp.Vendor = scannerVendors[sp.VID]
		// Any USB serial port may be a scanner in COM mode; built-in
		// ttyS ports rarely are, and printers live there.
		sp.Scanner = sp.USB
		d.Serial = append(d.Serial, sp)
	}
	slices.SortFunc(d.Serial, func(a, b SerialPort) int { return cmp.Compare(a.Port, b.Port) })
	for _, h := range hids {
		h.Vendor = scannerVendors[h.VID]
		h.Scanner = h.UsagePage == usagePagePOS || h.Vendor != ""
		d.HID = append(d.HID, h)
	}
	slices.SortFunc(d.HID, func(a, b HIDDevice) int {
		return cmp.Or(cmp.Compare(a.VID, b.VID), cmp.Compare(a.PID, b.PID), cmp.Compare(a.Interface, b.Interface), cmp.Compare(a.Path, b.Path))
	})
	// Hints number the lanes in table order; the store renames them.
	lane := 0
	for i, p := range d.Serial {
		if p.Scanner {
			lane++
			d.Serial[i].Hint = fmt.Sprintf("[[scanners]]\nkind = \"serial\"\nport = %q\nbaud = 9600            # as set in the scanner\nterminal_id = \"LANE-%d\" # the POS terminal this scanner serves\n", cmp.Or(p.ByID, p.Port), lane)
		}
	}
	for i, h := range d.HID {
		if h.Scanner {
			lane++
			d.HID[i].Hint = hidHint(h, lane, goos)
		}
	}
	if hidErr != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("USB HID devices not listed: %v. HID scanners need a scanpay build with cgo; serial (COM) scanners work without.", hidErr))
	}
	if goos == "windows" {
		d.Notes = append(d.Notes, windowsKeyboardNote)
	}
	if goos == "linux" {
		d.Notes = append(d.Notes, "On Linux, HID scanners need the udev rule packaging/udev/60-scanpay-hid.rules (with their VID/PID); opening a keyboard-mode scanner takes its keystrokes away from the POS, which then gets scans from scanpay.")
	}
	return d
}

// usagePagePOS is the HID usage page of barcode scanners (HID-POS).
const usagePagePOS = 0x8C

func hidHint(h HIDDevice, lane int, goos string) string {
	var b strings.Builder
	b.WriteString("[[scanners]]\nkind = \"hid\"\n")
	fmt.Fprintf(&b, "vid = %q\npid = %q\n", h.VID, h.PID)
	if h.Serial != "" {
		fmt.Fprintf(&b, "serial = %q\n", h.Serial)
	}
	honeywell := h.VID == "0c2e" || h.VID == "0536"
	switch {
	case h.UsagePage == usagePagePOS:
		b.WriteString("mode = \"pos\"\n")
	case goos == "windows":
		b.WriteString("mode = \"pos\"           # after switching the scanner to HID-POS: Windows cannot open keyboard mode\n")
	default:
		b.WriteString("mode = \"keyboard\"      # or \"pos\" if the scanner is set to HID-POS\nlayout = \"us\"          # the scanner's keyboard country\n")
		honeywell = false
	}
	if honeywell {
		b.WriteString("pos_layout = \"honeywell\"\n")
	}
	fmt.Fprintf(&b, "terminal_id = \"LANE-%d\" # the POS terminal this scanner serves\n", lane)
	return b.String()
}

// WriteTable prints the discovery for people: a table of serial ports, a
// table of HID devices, then the configuration hints and notes.
func (d Discovery) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL PORT\tUSB\tVID:PID\tSERIAL\tVENDOR\tSCANNER?")
	if len(d.Serial) == 0 {
		fmt.Fprintln(tw, "(none)\t\t\t\t\t")
	}
	for _, p := range d.Serial {
		id := "-"
		if p.VID != "" {
			id = p.VID + ":" + p.PID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cmp.Or(p.ByID, p.Port), yesNo(p.USB), id, dash(p.Serial), dash(p.Vendor), yesNo(p.Scanner))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "HID VID:PID\tINTERFACE\tUSAGE PAGE\tMANUFACTURER\tPRODUCT\tSERIAL\tSCANNER?")
	if len(d.HID) == 0 {
		fmt.Fprintln(tw, "(none)\t\t\t\t\t\t")
	}
	for _, h := range d.HID {
		fmt.Fprintf(tw, "%s:%s\t%d\t0x%02X\t%s\t%s\t%s\t%s\n", h.VID, h.PID, h.Interface, h.UsagePage, dash(h.Manufacturer), dash(h.Product), dash(h.Serial), yesNo(h.Scanner))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range d.Serial {
		if p.Hint != "" {
			fmt.Fprintf(w, "\n# %s\n%s", cmp.Or(p.ByID, p.Port), p.Hint)
		}
	}
	for _, h := range d.HID {
		if h.Hint != "" {
			fmt.Fprintf(w, "\n# %s:%s %s\n%s", h.VID, h.PID, strings.TrimSpace(h.Manufacturer+" "+h.Product), h.Hint)
		}
	}
	for _, n := range d.Notes {
		if _, err := fmt.Fprintf(w, "\nNote: %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string { return cmp.Or(s, "-") }
