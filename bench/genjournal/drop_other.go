//go:build !linux

package main

import "errors"

func dropCache(string) error {
	return errors.New("-drop-cache needs Linux (posix_fadvise)")
}
