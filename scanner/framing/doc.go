// Package framing cuts a serial scanner's byte stream into frames and
// cleans a frame into a code.
//
// It owns terminator and gap framing, the maximum frame length, and the
// cleaning rules shared by every scanner kind (STX, prefix, suffix, AIM
// symbology identifiers, printable-only). It is pure: no I/O, no clock of
// its own (callers pass the time), so it can be fuzzed and tested byte by
// byte. It must not know about ports, devices, lanes or payments.
package framing
