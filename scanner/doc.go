// Package scanner turns barcode scanners into Scan values: serial scanners
// (go.bug.st/serial) framed by terminator or gap, USB HID scanners
// (github.com/karalabe/hid) in boot-keyboard or HID-POS mode, hot-plug with
// reopen and backoff, de-duplication, and on-demand device discovery.
//
// It knows nothing about payments: a Scan is a lane, a device and a code.
// Codes are credentials, so everything this package logs or reports shows
// them masked.
//
// Where things are: the Manager (manager.go) runs one reader goroutine per
// configured scanner, which alone reads and closes its device, reopens it
// with capped backoff after an unplug, and drops repeats within the dedup
// window; every 500ms it also asks its open device whether it is still
// there (a vanished /dev node, a HID device gone from the enumeration),
// since such an unplug may not fail a read. serial.go opens ports; hid_cgo.go / hid_nocgo.go open HID devices
// (karalabe/hid needs cgo). The pure parts live in sub-packages: framing
// (serial frames, cleaning, AIM ids), keyboard (boot-keyboard reports and
// layouts), hidpos (HID-POS reports and per-vendor layouts). discover.go
// backs `scanpay devices`.
package scanner
