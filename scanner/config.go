package scanner

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.bug.st/serial"

	"github.com/scanpay/scanpay/scanner/framing"
	"github.com/scanpay/scanpay/scanner/hidpos"
	"github.com/scanpay/scanpay/scanner/keyboard"
)

// Config is one [[scanners]] table of the configuration file.
type Config struct {
	Kind       string `toml:"kind"`        // "serial" | "hid"
	Name       string `toml:"name"`        // default: the port, or vid:pid
	TerminalID string `toml:"terminal_id"` // the lane this scanner serves

	// Serial scanners.
	Port       string        `toml:"port"`       // /dev/serial/by-id/… (survives re-plugging), /dev/ttyACM0, COM3
	Baud       int           `toml:"baud"`       // default 9600
	DataBits   int           `toml:"data_bits"`  // 5–8, default 8
	Parity     string        `toml:"parity"`     // none (default), odd, even, mark, space
	StopBits   string        `toml:"stop_bits"`  // "1" (default), "1.5", "2"
	Terminator string        `toml:"terminator"` // CR (default), LF, CRLF, ETX; "" with gap
	Gap        time.Duration `toml:"gap"`        // frame by silence instead of a terminator
	Prefix     string        `toml:"prefix"`     // stripped from each code when present
	Suffix     string        `toml:"suffix"`     // stripped from each code when present
	STX        bool          `toml:"strip_stx"`  // strip a leading STX (0x02)
	AIM        bool          `toml:"aim"`        // strip and report AIM symbology ids ("]Q1")
	MaxFrame   int           `toml:"max_frame"`  // longest code kept, default 1024

	// HID scanners.
	VID       string `toml:"vid"`        // USB vendor id, hex ("0c2e")
	PID       string `toml:"pid"`        // USB product id, hex
	Serial    string `toml:"serial"`     // USB serial number, to tell identical scanners apart
	Interface *int   `toml:"interface"`  // USB interface number, for multi-interface scanners
	Mode      string `toml:"mode"`       // "keyboard" (default) | "pos" (HID-POS, page 0x8C)
	Layout    string `toml:"layout"`     // keyboard layout, default "us"
	POSLayout string `toml:"pos_layout"` // HID-POS report layout, default "generic"
}

// Kinds of scanner.
const (
	KindSerial = "serial"
	KindHID    = "hid"
)

// ConfigError names the configuration key at fault, the problem, and the
// fix. Index is the position of the [[scanners]] table, -1 when unknown.
type ConfigError struct {
	Index   int
	Key     string
	Problem string
	Fix     string
}

func (e *ConfigError) Error() string {
	where := "[[scanners]] " + e.Key
	if e.Index >= 0 {
		where = fmt.Sprintf("scanners[%d].%s", e.Index, e.Key)
	}
	return fmt.Sprintf("%s: %s; %s", where, e.Problem, e.Fix)
}

// Validate checks one scanner table.
func (c Config) Validate() error { return c.validate(-1, runtime.GOOS) }

// ValidateAll checks every scanner table, and that no two share a name
// or a device.
func ValidateAll(cfgs []Config) error {
	names := map[string]int{}
	devices := map[string]int{}
	for i, c := range cfgs {
		if err := c.validate(i, runtime.GOOS); err != nil {
			return err
		}
		c = c.withDefaults()
		if j, dup := names[c.Name]; dup {
			return &ConfigError{i, "name", fmt.Sprintf("%q is also the name of scanners[%d]", c.Name, j), "give each scanner its own name"}
		}
		names[c.Name] = i
		if j, dup := devices[c.device()]; dup {
			return &ConfigError{i, c.deviceKey(), fmt.Sprintf("scanners[%d] uses the same device", j), "list each scanner once; one scanner serves one lane"}
		}
		devices[c.device()] = i
	}
	return nil
}

func (c Config) validate(i int, goos string) error {
	bad := func(key, problem, fix string) error { return &ConfigError{i, key, problem, fix} }
	if strings.TrimSpace(c.TerminalID) == "" {
		return bad("terminal_id", "missing", `set terminal_id to the lane (POS terminal) this scanner serves, e.g. terminal_id = "AB123456"`)
	}
	switch c.Kind {
	case KindSerial:
		return c.validateSerial(bad)
	case KindHID:
		return c.validateHID(bad, goos)
	case "":
		return bad("kind", "missing", `set kind = "serial" (RS-232 or USB-serial/COM scanners) or kind = "hid" (USB HID)`)
	default:
		return bad("kind", fmt.Sprintf("%q is not a scanner kind", c.Kind), `use kind = "serial" or kind = "hid"`)
	}
}

func (c Config) validateSerial(bad func(key, problem, fix string) error) error {
	if c.Port == "" {
		return bad("port", "missing", `set port, e.g. port = "/dev/serial/by-id/usb-…" on Linux or port = "COM3" on Windows (scanpay devices lists them)`)
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"vid", c.VID != ""}, {"pid", c.PID != ""}, {"serial", c.Serial != ""}, {"interface", c.Interface != nil}, {"mode", c.Mode != ""}, {"layout", c.Layout != ""}, {"pos_layout", c.POSLayout != ""}} {
		if k.set {
			return bad(k.key, "is for kind = \"hid\"", "remove it, or set kind = \"hid\"")
		}
	}
	if c.Baud < 0 || c.Baud > 4_000_000 {
		return bad("baud", fmt.Sprintf("%d is not a baud rate", c.Baud), "set the scanner's rate, usually baud = 9600 or 115200")
	}
	if c.DataBits != 0 && (c.DataBits < 5 || c.DataBits > 8) {
		return bad("data_bits", fmt.Sprintf("%d is not 5–8", c.DataBits), "set data_bits = 8 (or 7 for 7E1 scanners), or leave it out")
	}
	if _, ok := parity(c.Parity); !ok {
		return bad("parity", fmt.Sprintf("%q is not a parity", c.Parity), `use "none", "odd", "even", "mark" or "space"`)
	}
	if _, ok := stopBits(c.StopBits); !ok {
		return bad("stop_bits", fmt.Sprintf("%q is not a stop-bit setting", c.StopBits), `use "1", "1.5" or "2"`)
	}
	term, ok := framing.ParseTerminator(c.Terminator)
	if !ok {
		return bad("terminator", fmt.Sprintf("%q is not a terminator", c.Terminator), `use "CR", "LF", "CRLF" or "ETX", or leave it out and set gap = "50ms" to frame by silence`)
	}
	if c.Gap < 0 {
		return bad("gap", "negative", `set a silence such as gap = "50ms", or leave it out`)
	}
	if term != framing.None && c.Gap > 0 {
		return bad("gap", "set together with terminator", "frame either by terminator or by gap: remove one of them")
	}
	if c.Gap > 0 && c.Gap < 5*time.Millisecond {
		return bad("gap", c.Gap.String()+" is shorter than the time between two characters", `set gap = "50ms" or more`)
	}
	return c.validateCommon(bad)
}

func (c Config) validateHID(bad func(key, problem, fix string) error, goos string) error {
	for _, k := range []struct {
		key string
		set bool
	}{{"port", c.Port != ""}, {"baud", c.Baud != 0}, {"data_bits", c.DataBits != 0}, {"parity", c.Parity != ""}, {"stop_bits", c.StopBits != ""}, {"terminator", c.Terminator != ""}, {"gap", c.Gap != 0}, {"strip_stx", c.STX}} {
		if k.set {
			return bad(k.key, "is for kind = \"serial\"", "remove it, or set kind = \"serial\"")
		}
	}
	for _, kv := range [][2]string{{"vid", c.VID}, {"pid", c.PID}} {
		key, v := kv[0], kv[1]
		if v == "" {
			return bad(key, "missing", fmt.Sprintf(`set %s to the scanner's USB id in hex, e.g. %s = "0c2e" (scanpay devices lists them)`, key, key))
		}
		if _, err := parseHex16(v); err != nil {
			return bad(key, fmt.Sprintf("%q is not a 4-digit hex USB id", v), fmt.Sprintf(`write it like %s = "0c2e"`, key))
		}
	}
	if c.Interface != nil && *c.Interface < 0 {
		return bad("interface", "negative", "use the USB interface number scanpay devices shows, or leave it out")
	}
	switch c.Mode {
	case "", "keyboard":
		if goos == "windows" {
			return bad("mode", "Windows cannot open keyboard-mode HID scanners", `switch the scanner to HID-POS mode (scan its "USB HID-POS" setup code) and set mode = "pos", or to USB-serial (COM) mode and use kind = "serial"`)
		}
		if c.Layout != "" {
			if _, ok := keyboard.LayoutByName(c.Layout); !ok {
				return bad("layout", fmt.Sprintf("%q is not a built-in keyboard layout", c.Layout), "use one of "+strings.Join(keyboard.LayoutNames(), ", ")+" and set the scanner's keyboard country to match")
			}
		}
		if c.POSLayout != "" {
			return bad("pos_layout", "is for mode = \"pos\"", "remove it, or set mode = \"pos\"")
		}
	case "pos":
		if c.POSLayout != "" {
			if _, ok := hidpos.LayoutByName(c.POSLayout); !ok {
				return bad("pos_layout", fmt.Sprintf("%q is not a built-in HID-POS layout", c.POSLayout), "use one of "+strings.Join(hidpos.LayoutNames(), ", "))
			}
		}
		if c.Layout != "" {
			return bad("layout", "is for mode = \"keyboard\"", "remove it, or set mode = \"keyboard\"")
		}
	default:
		return bad("mode", fmt.Sprintf("%q is not a HID mode", c.Mode), `use mode = "keyboard" (the scanner types like a keyboard) or mode = "pos" (HID-POS)`)
	}
	return c.validateCommon(bad)
}

func (c Config) validateCommon(bad func(key, problem, fix string) error) error {
	if c.MaxFrame < 0 || c.MaxFrame > 65536 {
		return bad("max_frame", fmt.Sprintf("%d is out of range", c.MaxFrame), "set 1–65536, or leave it out for 1024")
	}
	return nil
}

// WithDefaults is c as the scanner will run it: what a valid config left
// out filled in (check-config prints it).
func (c Config) WithDefaults() Config { return c.withDefaults() }

// withDefaults fills in what a valid config left out.
func (c Config) withDefaults() Config {
	if c.Kind == KindSerial {
		if c.Baud == 0 {
			c.Baud = 9600
		}
		if c.DataBits == 0 {
			c.DataBits = 8
		}
		if c.Terminator == "" && c.Gap == 0 {
			c.Terminator = "CR"
		}
	}
	if c.Kind == KindHID {
		if c.Mode == "" {
			c.Mode = "keyboard"
		}
		if c.Layout == "" && c.Mode == "keyboard" {
			c.Layout = "us"
		}
		if c.POSLayout == "" && c.Mode == "pos" {
			c.POSLayout = "generic"
		}
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = framing.DefaultMaxFrame
	}
	if c.Name == "" {
		c.Name = c.device()
	}
	return c
}

// device identifies the physical device, to catch one listed twice.
func (c Config) device() string {
	if c.Kind == KindHID {
		id := strings.ToLower(strings.TrimPrefix(c.VID, "0x")) + ":" + strings.ToLower(strings.TrimPrefix(c.PID, "0x"))
		if c.Serial != "" {
			id += ":" + c.Serial
		}
		if c.Interface != nil {
			id += ":if" + strconv.Itoa(*c.Interface)
		}
		return id
	}
	return c.Port
}

func (c Config) deviceKey() string {
	if c.Kind == KindHID {
		return "vid"
	}
	return "port"
}

func (c Config) cleanOptions() framing.CleanOptions {
	return framing.CleanOptions{StripSTX: c.STX, Prefix: c.Prefix, Suffix: c.Suffix, AIM: c.AIM}
}

func (c Config) serialMode() *serial.Mode {
	p, _ := parity(c.Parity)
	s, _ := stopBits(c.StopBits)
	return &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits, Parity: p, StopBits: s}
}

func parity(s string) (serial.Parity, bool) {
	switch strings.ToLower(s) {
	case "", "none":
		return serial.NoParity, true
	case "odd":
		return serial.OddParity, true
	case "even":
		return serial.EvenParity, true
	case "mark":
		return serial.MarkParity, true
	case "space":
		return serial.SpaceParity, true
	}
	return 0, false
}

func stopBits(s string) (serial.StopBits, bool) {
	switch s {
	case "", "1":
		return serial.OneStopBit, true
	case "1.5":
		return serial.OnePointFiveStopBits, true
	case "2":
		return serial.TwoStopBits, true
	}
	return 0, false
}

func parseHex16(s string) (uint16, error) {
	s = strings.TrimPrefix(strings.ToLower(s), "0x")
	if len(s) != 4 {
		return 0, fmt.Errorf("want 4 hex digits")
	}
	v, err := strconv.ParseUint(s, 16, 16)
	return uint16(v), err
}

// Fix is the likely remedy for this scanner not being connected, for a
// person at the store: the cable first, then what usually keeps a
// replugged scanner from being found on goos.
func (c Config) Fix(goos string) string {
	const cable = "check that the scanner is plugged in and its USB cable is seated at both ends (try another USB port)"
	const list = "`scanpay devices` lists the scanners this PC sees"
	switch {
	case c.Kind == KindHID && goos == "linux":
		return cable + "; if it is plugged in but not found, install packaging/udev/60-scanpay-hid.rules with this scanner's VID:PID (" + c.device() + ") and replug it; " + list
	case c.Kind == KindHID:
		return cable + "; " + list + " (on Windows set mode = \"pos\")"
	case goos == "windows":
		return cable + "; a USB-serial scanner plugged into another port often comes back as another COM port: find it in Device Manager under Ports (COM & LPT) or with `scanpay devices`, and set port to it"
	case !strings.HasPrefix(c.Port, "/dev/serial/by-"):
		return cable + "; " + c.Port + " may be renamed when the scanner is replugged: set port to its /dev/serial/by-id/… link, which stays the same; " + list
	}
	return cable + "; " + list
}
