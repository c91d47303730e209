package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropCache writes path's pages to disk and asks the kernel to drop them
// from the page cache, as after a reboot, so a scanpay started on it
// reads the journal from the disk.
func dropCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
