package store

import (
	"encoding/json"
	"fmt"
)

// Records are one version byte followed by JSON. JSON because the records
// are small, the field tags are already the contract, and an administrator
// can read a record with `bbolt get`. The byte lets a later release change
// the shape and still read this one: decode dispatches on it, and each old
// version keeps its decoder.
const recordV1 byte = 1

// recordVersion is what this release writes.
const recordVersion = recordV1

func encodeRecord(v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{recordVersion}, body...), nil
}

// decodeRecord checks the version byte and decodes the body into v.
func decodeRecord(kind string, b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty %s record; the journal is damaged, restore it from a backup", ErrInvalid, kind)
	}
	switch b[0] {
	case recordV1:
		if err := json.Unmarshal(b[1:], v); err != nil {
			return fmt.Errorf("%w: %s record v1 does not decode: %v; the journal is damaged, restore it from a backup", ErrInvalid, kind, err)
		}
		return nil
	default:
		return fmt.Errorf("%w: %s record version %d was written by a newer scanpay; upgrade scanpay to read this journal", ErrInvalid, kind, b[0])
	}
}

func decodePayment(b []byte) (Payment, error) {
	var p Payment
	err := decodeRecord("payment", b, &p)
	return p, err
}

func decodeRefund(b []byte) (Refund, error) {
	var r Refund
	err := decodeRecord("refund", b, &r)
	return r, err
}

func decodeDelivery(b []byte) (Delivery, error) {
	var d Delivery
	err := decodeRecord("delivery", b, &d)
	return d, err
}
