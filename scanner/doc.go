// Package scanner turns barcode scanners into Scan values: serial scanners
// (go.bug.st/serial) framed by terminator or gap, USB HID scanners
// (github.com/karalabe/hid) in boot-keyboard or HID-POS mode, hot-plug with
// reopen and backoff, de-duplication, and on-demand device discovery.
//
// It knows nothing about payments: a Scan is a lane, a device and a code.
// Codes are credentials, so everything this package logs or reports shows
// them masked.
package scanner
