// Package recording reads recorded HID report sequences (the files in
// scanner/testdata/*.rec) so decoder tests, fuzz seeds and the manager's
// fake device replay the same bytes.
//
// Format, one item per line; a line starting with '#' is a comment, and
// so is the rest of a report line after a '#' token:
//
//	mode keyboard|pos        which decoder the reports are for
//	layout us                keyboard layout (keyboard mode)
//	pos_layout generic       HID-POS report layout (pos mode)
//	expect <code>            the next code (the rest of the line) the reports must decode to
//	expect-error             the next line/barcode must be discarded
//	report <tokens>          one input report
//
// Report tokens: two hex digits are a byte, a Go-quoted string is its
// bytes, pad:N fills with zero bytes up to a length of N.
//
// It is test tooling: it must not know how reports are decoded.
package recording
