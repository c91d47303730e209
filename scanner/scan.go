package scanner

import (
	"fmt"
	"time"

	"github.com/scanpay/scanpay/internal/mask"
)

// Scan is one barcode read by one scanner, framed, cleaned and de-duplicated.
type Scan struct {
	Device    string    // the scanner's configured name (or its port/VID:PID)
	Lane      string    // the terminal_id this scanner serves
	Code      string    // the decoded code, without prefix/suffix/AIM id
	Symbology string    // the AIM symbology identifier ("]Q1"), when the scanner sent one
	At        time.Time // when the frame completed
}

// String shows the scan with its code masked: safe for logs.
func (s Scan) String() string {
	return fmt.Sprintf("scan{device=%s lane=%s code=%s}", s.Device, s.Lane, mask.Code(s.Code))
}

// EventKind says what happened to a device.
type EventKind string

// Device event kinds.
const (
	Connected    EventKind = "connected"
	Disconnected EventKind = "disconnected"
	Failed       EventKind = "error"
)

// DeviceEvent reports a scanner appearing, going away or failing.
type DeviceEvent struct {
	Device string    `json:"device"`
	Lane   string    `json:"lane"`
	Kind   EventKind `json:"kind"`
	Reason string    `json:"reason,omitempty"` // why, for errors and disconnects; never holds a code
	At     time.Time `json:"at"`
}

// DeviceStatus is a scanner's current state, for GET /v1/devices.
type DeviceStatus struct {
	Device    string    `json:"device"`
	Kind      string    `json:"kind"` // "serial" | "hid"
	Lane      string    `json:"lane"`
	Connected bool      `json:"connected"`
	LastError string    `json:"last_error,omitempty"`
	Fix       string    `json:"fix,omitempty"` // while not connected: the likely remedy (cable, by-id path, udev rule, COM port)
	LastScan  time.Time `json:"last_scan,omitzero"`
	Since     time.Time `json:"since"`
}
