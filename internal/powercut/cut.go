package powercut

import "errors"

const (
	pageSize   = 4096 // the unit a cut keeps or drops
	sectorSize = 512  // the unit a torn page keeps
)

// ErrUnavailable says this machine cannot mount the file system: no FUSE
// device, no permission to mount, or not Linux. Tests skip on it.
var ErrUnavailable = errors.New("powercut: FUSE is unavailable here")

// Cut says what a power cut keeps of the writes not yet synced.
type Cut int

const (
	// Drop loses every unsynced write.
	Drop Cut = iota
	// Tear loses every unsynced write except a torn page: the first
	// 1 to 7 sectors (512 bytes each) of the page written last reach
	// the disk.
	Tear
	// Reorder keeps each unsynced page, whole, with probability 1/2,
	// as a disk that reorders its write cache may.
	Reorder
)

func (c Cut) String() string {
	switch c {
	case Drop:
		return "drop"
	case Tear:
		return "tear"
	case Reorder:
		return "reorder"
	}
	return "unknown cut"
}

// Report says what one power cut did.
type Report struct {
	Files     int // files with unsynced writes
	Pages     int // unsynced pages, lost unless kept
	Kept      int // pages a Reorder cut kept
	TornBytes int // bytes of the torn page a Tear cut kept
}

// Stats counts operations since Mount.
type Stats struct {
	Writes int // write calls
	Syncs  int // fsync and fdatasync calls
	Cuts   int // power cuts
}
