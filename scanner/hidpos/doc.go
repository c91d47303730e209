// Package hidpos decodes input reports of USB HID-POS barcode scanners
// (usage page 0x8C, Barcode Scanner) into barcodes.
//
// It owns the report layouts, which vendors place differently: a small
// per-device table says where the report id, data length, AIM symbology
// identifier, data and the "more follows" flag sit. It joins data split
// over several reports. It must not know about devices, lanes or payments.
package hidpos
