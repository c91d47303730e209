// Package keyboard decodes USB HID boot-keyboard reports (usage page 0x07)
// from a scanner in keyboard mode into lines of text.
//
// It owns the report format (modifier byte, reserved byte, six key
// usages), press/release tracking, Shift and Caps Lock, and keyboard
// layouts, which are data: a table from usage to (normal, shifted)
// character. It must not know about devices, framing rules beyond Enter
// and Tab, or payments.
package keyboard
