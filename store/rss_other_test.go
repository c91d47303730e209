//go:build !linux

package store

// selfRSS: only Linux has /proc; the benchmark then reports heap alone.
func selfRSS() uint64 { return 0 }
