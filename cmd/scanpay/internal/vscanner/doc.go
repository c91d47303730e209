// Package vscanner is a virtual serial barcode scanner: a pseudo-terminal
// whose slave scanpay opens as a serial port while the caller (the demo,
// the bench) types codes into its master. It owns only the pty; it must
// not know what scanpay does with the codes. Windows has none.
package vscanner
