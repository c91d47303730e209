package scanner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestValidateAccepts(t *testing.T) {
	one := 1
	for _, c := range []Config{
		{Kind: KindSerial, Port: "/dev/ttyACM0", TerminalID: "AB123456"},
		{Kind: KindSerial, Port: "COM3", Baud: 115200, DataBits: 7, Parity: "Even", StopBits: "2", Terminator: "crlf", TerminalID: "A"},
		{Kind: KindSerial, Port: "/dev/ttyUSB0", Gap: 50 * time.Millisecond, TerminalID: "A", AIM: true, STX: true, Prefix: "#", MaxFrame: 64},
		{Kind: KindHID, VID: "0c2e", PID: "0B8F", TerminalID: "A"},
		{Kind: KindHID, VID: "0x05e0", PID: "1200", Serial: "S123", Interface: &one, Mode: "pos", POSLayout: "honeywell", TerminalID: "A"},
		{Kind: KindHID, VID: "05e0", PID: "1200", Layout: "US", TerminalID: "A"},
	} {
		// Each OS's rules, whatever this test runs on: Windows refuses
		// keyboard mode (TestValidateNamesKeyAndFix checks that refusal).
		for _, goos := range []string{"linux", "windows"} {
			if goos == "windows" && c.Kind == KindHID && c.Mode != "pos" {
				continue
			}
			if err := c.validate(0, goos); err != nil {
				t.Errorf("validate(%+v) on %s = %v", c, goos, err)
			}
		}
	}
}

func TestValidateNamesKeyAndFix(t *testing.T) {
	neg := -1
	serial := func(f func(*Config)) Config {
		c := Config{Kind: KindSerial, Port: "/dev/ttyACM0", TerminalID: "A"}
		f(&c)
		return c
	}
	hid := func(f func(*Config)) Config {
		c := Config{Kind: KindHID, VID: "0c2e", PID: "0b8f", TerminalID: "A"}
		f(&c)
		return c
	}
	tests := []struct {
		cfg  Config
		goos string
		key  string
		fix  string
	}{
		{Config{Kind: KindSerial, Port: "/dev/ttyACM0"}, "linux", "terminal_id", "lane"},
		{Config{TerminalID: "A"}, "linux", "kind", `kind = "serial"`},
		{Config{Kind: "usb", TerminalID: "A"}, "linux", "kind", `kind = "hid"`},
		{serial(func(c *Config) { c.Port = "" }), "linux", "port", "scanpay devices"},
		{serial(func(c *Config) { c.Baud = -9600 }), "linux", "baud", "9600"},
		{serial(func(c *Config) { c.DataBits = 9 }), "linux", "data_bits", "data_bits = 8"},
		{serial(func(c *Config) { c.Parity = "E" }), "linux", "parity", `"even"`},
		{serial(func(c *Config) { c.StopBits = "3" }), "linux", "stop_bits", `"2"`},
		{serial(func(c *Config) { c.Terminator = "TAB" }), "linux", "terminator", "gap"},
		{serial(func(c *Config) { c.Terminator = "CR"; c.Gap = time.Second }), "linux", "gap", "remove one"},
		{serial(func(c *Config) { c.Gap = time.Millisecond }), "linux", "gap", "50ms"},
		{serial(func(c *Config) { c.MaxFrame = -1 }), "linux", "max_frame", "1024"},
		{serial(func(c *Config) { c.VID = "0c2e" }), "linux", "vid", `kind = "hid"`},
		{hid(func(c *Config) { c.VID = "" }), "linux", "vid", `vid = "0c2e"`},
		{hid(func(c *Config) { c.PID = "xyz" }), "linux", "pid", "hex"},
		{hid(func(c *Config) { c.Baud = 9600 }), "linux", "baud", `kind = "serial"`},
		{hid(func(c *Config) { c.Mode = "raw" }), "linux", "mode", `mode = "pos"`},
		{hid(func(c *Config) { c.Layout = "dvorak" }), "linux", "layout", "us"},
		{hid(func(c *Config) { c.Mode = "pos"; c.POSLayout = "zebra" }), "linux", "pos_layout", "honeywell"},
		{hid(func(c *Config) { c.Interface = &neg }), "linux", "interface", "scanpay devices"},
		{hid(func(c *Config) {}), "windows", "mode", "HID-POS"},
	}
	for _, tt := range tests {
		err := tt.cfg.validate(2, tt.goos)
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("validate(%+v) = %v, want a ConfigError", tt.cfg, err)
			continue
		}
		if ce.Key != tt.key || !strings.HasPrefix(err.Error(), "scanners[2]."+tt.key+": ") || !strings.Contains(err.Error(), tt.fix) {
			t.Errorf("validate(%+v) = %q, want key %s and a fix mentioning %q", tt.cfg, err, tt.key, tt.fix)
		}
	}
}

func TestValidateAllCatchesDuplicates(t *testing.T) {
	a := Config{Kind: KindSerial, Port: "/dev/ttyACM0", TerminalID: "A"}
	b := Config{Kind: KindSerial, Port: "/dev/ttyACM0", TerminalID: "B", Name: "other"}
	if err := ValidateAll([]Config{a, b}); err == nil || !strings.Contains(err.Error(), "scanners[1].port") {
		t.Errorf("same port twice: %v", err)
	}
	c := Config{Kind: KindHID, VID: "0c2e", PID: "0b8f", Mode: "pos", TerminalID: "C", Name: "other"}
	if err := ValidateAll([]Config{b, c}); err == nil || !strings.Contains(err.Error(), "scanners[1].name") {
		t.Errorf("same name twice: %v", err)
	}
	if err := ValidateAll([]Config{{Kind: KindSerial, TerminalID: "A"}}); err == nil || !strings.HasPrefix(err.Error(), "scanners[0].port") {
		t.Errorf("index not named: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	s := Config{Kind: KindSerial, Port: "/dev/ttyACM0", TerminalID: "A"}.withDefaults()
	if s.Baud != 9600 || s.DataBits != 8 || s.Terminator != "CR" || s.MaxFrame != 1024 || s.Name != "/dev/ttyACM0" {
		t.Errorf("serial defaults %+v", s)
	}
	h := Config{Kind: KindHID, VID: "0C2E", PID: "0b8f", TerminalID: "A"}.withDefaults()
	if h.Mode != "keyboard" || h.Layout != "us" || h.Name != "0c2e:0b8f" {
		t.Errorf("hid defaults %+v", h)
	}
	if p := (Config{Kind: KindHID, Mode: "pos"}).withDefaults(); p.POSLayout != "generic" {
		t.Errorf("pos defaults %+v", p)
	}
}

func TestConfigDecodesFromTOML(t *testing.T) {
	const file = `
[[scanners]]                    # as in DESIGN.md
kind = "serial"
port = "/dev/ttyACM0"
baud = 9600
terminal_id = "AB123456"

[[scanners]]
kind = "serial"
name = "back"
port = "COM4"
terminal_id = "AB123457"
gap = "50ms"
aim = true
strip_stx = true
max_frame = 512

[[scanners]]
kind = "hid"
vid = "0c2e"
pid = "0b87"
serial = "19123B4567"
interface = 0
mode = "pos"
pos_layout = "honeywell"
terminal_id = "AB123458"
`
	var cfg struct {
		Scanners []Config `toml:"scanners"`
	}
	md, err := toml.Decode(file, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Errorf("keys Config does not know: %v", u)
	}
	if err := ValidateAll(cfg.Scanners); err != nil {
		t.Fatal(err)
	}
	s := cfg.Scanners
	if s[1].Gap != 50*time.Millisecond || !s[1].AIM || !s[1].STX || s[1].MaxFrame != 512 {
		t.Errorf("serial table decoded as %+v", s[1])
	}
	if s[2].Interface == nil || *s[2].Interface != 0 || s[2].POSLayout != "honeywell" {
		t.Errorf("hid table decoded as %+v", s[2])
	}
}

func TestFixNamesTheLikelyRemedy(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		goos string
		want []string
	}{
		{"serial by-id", Config{Kind: KindSerial, Port: "/dev/serial/by-id/usb-X-if00"}, "linux", []string{"cable", "scanpay devices"}},
		{"serial tty", Config{Kind: KindSerial, Port: "/dev/ttyACM0"}, "linux", []string{"cable", "/dev/ttyACM0", "/dev/serial/by-id"}},
		{"serial windows", Config{Kind: KindSerial, Port: "COM3"}, "windows", []string{"cable", "COM port", "Device Manager"}},
		{"hid linux", Config{Kind: KindHID, VID: "0c2e", PID: "0b8f"}, "linux", []string{"cable", "udev", "0c2e:0b8f"}},
		{"hid windows", Config{Kind: KindHID, VID: "0c2e", PID: "0b8f"}, "windows", []string{"cable", "mode = \"pos\""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cfg.Fix(tt.goos)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Fix = %q, want it to mention %q", got, w)
				}
			}
		})
	}
}
