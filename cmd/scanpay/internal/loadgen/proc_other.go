//go:build !linux

package loadgen

import "errors"

// procStats: only Linux's /proc is read; elsewhere the report says n/a.
func procStats(int) (mem, float64, error) {
	return mem{}, 0, errors.New("memory and CPU are read from /proc, which only Linux has")
}
