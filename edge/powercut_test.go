package edge

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/scanpay/scanpay/internal/powercut"
)

// crashPower, set by TestEngineCrashPowerCut, puts TestEngineCrash's
// journal on a disk that loses power: each SIGKILL is a power cut too.
// Its methods do nothing on nil (a plain TestEngineCrash).
var crashPower *crashPowerRig

type crashPowerRig struct {
	disk         *powercut.Disk
	rng          *rand.Rand
	cuts         int
	kinds        map[powercut.Cut]int
	lossy, pages int
}

// count is the number of kills to run: the rig's cuts, if there is one.
func (p *crashPowerRig) count(kills int) int {
	if p == nil {
		return kills
	}
	return p.cuts
}

// dir is where the journal goes.
func (p *crashPowerRig) dir(dir string) string {
	if p == nil {
		return dir
	}
	return p.disk.Mountpoint()
}

// freeze is the instant the power goes, just before the SIGKILL.
func (p *crashPowerRig) freeze() {
	if p != nil {
		p.disk.Freeze()
	}
}

// cut loses what was not synced, just after the SIGKILL.
func (p *crashPowerRig) cut(t *testing.T) {
	if p == nil {
		return
	}
	cut := []powercut.Cut{powercut.Drop, powercut.Tear, powercut.Reorder}[p.rng.IntN(3)]
	rep, err := p.disk.PowerCut(cut, p.rng)
	if err != nil {
		t.Fatal(err)
	}
	p.kinds[cut]++
	p.pages += rep.Pages
	if rep.Pages > rep.Kept {
		p.lossy++
	}
}

// on turns the power back on once the child is gone.
func (p *crashPowerRig) on(t *testing.T) {
	if p != nil {
		if err := p.disk.PowerOn(); err != nil {
			t.Fatal(err)
		}
	}
}

// off returns where the parent may open the journal at path: the parent
// serves the mount and must not mmap a file on it, so it turns the power
// off (nothing is pending after the child's clean exit or a cut) and
// reads the disk itself.
func (p *crashPowerRig) off(t *testing.T, path string) string {
	if p == nil {
		return path
	}
	if err := p.disk.Unmount(); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(p.disk.Backing(), filepath.Base(path))
}

// TestEngineCrashPowerCut is TestEngineCrash with the journal on a disk
// that loses every write not yet fsynced (internal/powercut): the power
// goes at the instant of each SIGKILL, the unsynced writes are dropped,
// torn or reordered, and the engine restarts on what the disk holds. The
// same checks then hold: the journal agrees with the wallets' books (no
// double charge, no lost payment) and every final answer the POS got is
// true. The file hook's receipts are on the disk too, and must be whole.
// SCANPAY_CRASH_CUTS (default 100) sets the number of cuts and
// SCANPAY_CRASH_SEED replays a schedule.
func TestEngineCrashPowerCut(t *testing.T) {
	d := powercut.MountT(t)
	d.SetSyncLatency(time.Millisecond) // a disk's fsync takes time: more cuts find writes pending
	cuts := 100
	if s := os.Getenv("SCANPAY_CRASH_CUTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			t.Fatalf("SCANPAY_CRASH_CUTS=%q: set it to a whole number of power cuts above zero, or unset it for %d", s, cuts)
		}
		cuts = v
	}
	// One seed for the harness's schedule and the cuts: the harness
	// prints it, and SCANPAY_CRASH_SEED replays both.
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SCANPAY_CRASH_SEED"); s != "" {
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			seed = v // TestEngineCrash refuses a bad one
		}
	} else {
		t.Setenv("SCANPAY_CRASH_SEED", strconv.FormatUint(seed, 10))
	}
	crashPower = &crashPowerRig{disk: d, rng: rand.New(rand.NewPCG(seed, 11)), cuts: cuts, kinds: map[powercut.Cut]int{}}
	t.Cleanup(func() { crashPower = nil })
	TestEngineCrash(t)
	p := crashPower
	t.Logf("%d power cuts (%v): %d lost unsynced journal pages (%d pages); disk saw %+v", cuts, p.kinds, p.lossy, p.pages, d.Stats())
	if p.lossy*10 < cuts {
		t.Errorf("only %d of %d power cuts found unsynced journal writes to lose (want at least a tenth): the cuts proved little more than kills", p.lossy, cuts)
	}
}
