// Package events is a small publish/subscribe bus for the engine's event
// stream (scan, payment, device and hook events).
//
// It owns fan-out and the slow-subscriber rule: every subscriber has a
// bounded buffer, and when it is full the OLDEST event is dropped and
// counted, so a stalled POS connection never blocks the engine and a
// catching-up subscriber sees the newest state. It must not know what an
// event means.
package events
