//go:build !linux

package powercut

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"
)

// Disk is a mounted power-cut file system; off Linux it cannot be made.
type Disk struct{}

// Mount fails off Linux with an error wrapping ErrUnavailable.
func Mount(backing, mountpoint string) (*Disk, error) {
	return nil, fmt.Errorf("%w: the power-cut file system needs Linux FUSE, this is %s", ErrUnavailable, runtime.GOOS)
}

func (d *Disk) Mountpoint() string                               { return "" }
func (d *Disk) Freeze()                                          {}
func (d *Disk) Backing() string                                  { return "" }
func (d *Disk) PowerOn() error                                   { return ErrUnavailable }
func (d *Disk) Stats() Stats                                     { return Stats{} }
func (d *Disk) Unmount() error                                   { return ErrUnavailable }
func (d *Disk) PowerCut(cut Cut, rng *rand.Rand) (Report, error) { return Report{}, ErrUnavailable }
func (d *Disk) SetSyncLatency(l time.Duration)                   {}
