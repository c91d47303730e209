package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"go.bug.st/serial/enumerator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// storeDevices is a till with a Honeywell scanner in USB-serial mode, a
// built-in port with a receipt printer, a Zebra scanner in HID-POS mode,
// a Honeywell scanner in keyboard mode and an ordinary keyboard, as each
// system lists them.
func storeDevices(goos string) ([]*enumerator.PortDetails, map[string]string, []HIDDevice) {
	if goos == "windows" {
		return []*enumerator.PortDetails{
				{Name: "COM1"},
				{Name: "COM3", IsUSB: true, VID: "0C2E", PID: "0B8F", SerialNumber: "19123B4567"},
			}, nil, []HIDDevice{
				{VID: "046d", PID: "c31c", Manufacturer: "Logitech", Product: "USB Keyboard", UsagePage: 0x01, Usage: 0x06, Path: `\\?\hid#vid_046d&pid_c31c#7&1`},
				{VID: "05e0", PID: "1300", Manufacturer: "Zebra", Product: "Symbol Bar Code Scanner", Serial: "S20231", UsagePage: 0x8C, Usage: 0x02, Path: `\\?\hid#vid_05e0&pid_1300#7&2`},
				{VID: "0c2e", PID: "0b87", Manufacturer: "Honeywell", Product: "1950g", UsagePage: 0x01, Usage: 0x06, Path: `\\?\hid#vid_0c2e&pid_0b87#7&3`},
			}
	}
	return []*enumerator.PortDetails{
			{Name: "/dev/ttyS0"},
			{Name: "/dev/ttyACM0", IsUSB: true, VID: "0C2E", PID: "0B8F", SerialNumber: "19123B4567"},
		}, map[string]string{"/dev/ttyACM0": "/dev/serial/by-id/usb-Honeywell_Imaging___Mobility_1900-19123B4567-if00"},
		[]HIDDevice{
			{VID: "046d", PID: "c31c", Manufacturer: "Logitech", Product: "USB Keyboard", Path: "0001:0004:00"},
			{VID: "05e0", PID: "1300", Manufacturer: "Zebra", Product: "Symbol Bar Code Scanner", Serial: "S20231", UsagePage: 0x8C, Usage: 0x02, Path: "0001:0005:00"},
			{VID: "0c2e", PID: "0b87", Manufacturer: "Honeywell", Product: "1950g", Path: "0001:0006:00"},
		}
}

func TestDiscoveryTable(t *testing.T) {
	for _, goos := range []string{"linux", "windows"} {
		ports, byID, hids := storeDevices(goos)
		d := buildDiscovery(ports, byID, hids, nil, goos)
		var b bytes.Buffer
		if err := d.WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, "devices-"+goos+".golden", b.Bytes())
	}
}

func TestDiscoveryHints(t *testing.T) {
	ports, byID, hids := storeDevices("linux")
	d := buildDiscovery(ports, byID, hids, nil, "linux")
	if d.Serial[0].Port != "/dev/ttyACM0" || !d.Serial[0].Scanner || d.Serial[0].Vendor != "Honeywell" {
		t.Errorf("USB serial scanner: %+v", d.Serial[0])
	}
	if d.Serial[1].Scanner || d.Serial[1].Hint != "" {
		t.Errorf("built-in ttyS0 looks like a scanner: %+v", d.Serial[1])
	}
	if d.HID[0].Scanner {
		t.Errorf("keyboard looks like a scanner: %+v", d.HID[0])
	}
	// Every hint must be a valid [[scanners]] table.
	for _, hint := range []string{d.Serial[0].Hint, d.HID[1].Hint, d.HID[2].Hint} {
		c := parseHint(t, hint)
		if err := c.validate(0, "linux"); err != nil {
			t.Errorf("hint %q does not validate: %v", hint, err)
		}
	}
	ports, byID, hids = storeDevices("windows")
	win := buildDiscovery(ports, byID, hids, errors.New("no cgo"), "windows")
	if c := parseHint(t, win.HID[2].Hint); c.Mode != "pos" || c.validate(0, "windows") != nil {
		t.Errorf("windows hint for a keyboard-mode scanner: %q", win.HID[2].Hint)
	}
	if !strings.Contains(strings.Join(win.Notes, "\n"), "HID-POS") || !strings.Contains(strings.Join(win.Notes, "\n"), "cgo") {
		t.Errorf("windows notes %q", win.Notes)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Discovery
	if err := json.Unmarshal(js, &back); err != nil || back.HID[1].Hint != d.HID[1].Hint || !back.HID[1].Scanner {
		t.Errorf("JSON round trip: %v, %+v", err, back.HID)
	}
}

// parseHint decodes a hint as the configuration file would be decoded,
// failing on keys Config does not know.
func parseHint(t *testing.T, hint string) Config {
	t.Helper()
	var file struct {
		Scanners []Config `toml:"scanners"`
	}
	md, err := toml.Decode(hint, &file)
	if err != nil {
		t.Fatalf("hint is not TOML: %v\n%s", err, hint)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Errorf("hint has unknown keys %v", u)
	}
	if len(file.Scanners) != 1 {
		t.Fatalf("hint has %d [[scanners]] tables", len(file.Scanners))
	}
	return file.Scanners[0]
}

func TestDiscoverOnThisMachine(t *testing.T) {
	d, err := Discover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := d.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "SERIAL PORT") || !strings.Contains(b.String(), "HID VID:PID") {
		t.Errorf("table:\n%s", b.String())
	}
	if !HIDSupported() && len(d.Notes) == 0 {
		t.Error("no note saying HID is unsupported")
	}
}
