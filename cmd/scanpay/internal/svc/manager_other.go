//go:build !linux

package svc

// noServiceManager: macOS and Windows always have theirs.
func noServiceManager() string { return "" }
