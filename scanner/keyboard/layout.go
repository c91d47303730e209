package keyboard

import (
	"maps"
	"slices"
	"strings"
)

// Key is what one usage types, without and with Shift.
type Key struct {
	Normal, Shifted rune
}

// Layout maps keyboard-page usages to characters. Caps Lock affects the
// keys whose Normal is a letter.
type Layout struct {
	Name string
	Keys map[byte]Key
}

// US is the US layout, the factory default of nearly every scanner.
var US = Layout{Name: "us", Keys: usKeys()}

var layouts = map[string]Layout{US.Name: US}

// LayoutByName finds a built-in layout, case-insensitively.
func LayoutByName(name string) (Layout, bool) {
	l, ok := layouts[strings.ToLower(name)]
	return l, ok
}

// LayoutNames lists the built-in layouts, for error messages.
func LayoutNames() []string { return slices.Sorted(maps.Keys(layouts)) }

func usKeys() map[byte]Key {
	keys := map[byte]Key{}
	for i := range 26 { // 0x04–0x1D: a–z
		keys[byte(0x04+i)] = Key{rune('a' + i), rune('A' + i)}
	}
	// 0x1E–0x27: 1–9, 0 and their shifted symbols.
	digits, shifted := "1234567890", "!@#$%^&*()"
	for i := range 10 {
		keys[byte(0x1E+i)] = Key{rune(digits[i]), rune(shifted[i])}
	}
	for usage, pair := range map[byte]string{
		0x2C: "  ", 0x2D: "-_", 0x2E: "=+", 0x2F: "[{", 0x30: "]}", 0x31: `\|`,
		0x33: ";:", 0x34: `'"`, 0x35: "`~", 0x36: ",<", 0x37: ".>", 0x38: "/?",
		// Keypad, as typed with Num Lock on (scanners that use the keypad
		// for digits assume it).
		0x54: "//", 0x55: "**", 0x56: "--", 0x57: "++", 0x59: "11", 0x5A: "22",
		0x5B: "33", 0x5C: "44", 0x5D: "55", 0x5E: "66", 0x5F: "77", 0x60: "88",
		0x61: "99", 0x62: "00", 0x63: "..",
	} {
		keys[usage] = Key{rune(pair[0]), rune(pair[1])}
	}
	return keys
}
