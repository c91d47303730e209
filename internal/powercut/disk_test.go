//go:build linux

package powercut

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func fill(c byte, n int) []byte { return bytes.Repeat([]byte{c}, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestCut writes a synced file of three pages, then does unsynced (or
// synced) operations on it, checks the file reads as they left it, cuts
// the power and checks what is left.
func TestCut(t *testing.T) {
	base := fill('a', 3*pageSize)
	fdatasync := func(t *testing.T, f *os.File) {
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			t.Fatal(err)
		}
	}
	write := func(t *testing.T, f *os.File, b []byte, off int64) {
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	truncate := func(t *testing.T, f *os.File, n int64) {
		if err := f.Truncate(n); err != nil {
			t.Fatal(err)
		}
	}
	patched := cat(base[:5000], fill('b', 100), base[5100:])
	for _, tc := range []struct {
		name string
		cut  Cut
		ops  func(t *testing.T, f *os.File)
		live []byte             // what the file reads before the cut
		want func([]byte) error // what it holds after
	}{
		{
			name: "an unsynced write is lost",
			ops:  func(t *testing.T, f *os.File) { write(t, f, fill('b', 100), 5000) },
			live: patched,
			want: equal(base),
		},
		{
			name: "a write before fdatasync survives, one after is lost",
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('b', 100), 5000)
				fdatasync(t, f)
				write(t, f, fill('c', 10), 0)
			},
			live: cat(fill('c', 10), patched[10:]),
			want: equal(patched),
		},
		{
			name: "fsync syncs too",
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('b', 100), 5000)
				if err := f.Sync(); err != nil {
					t.Fatal(err)
				}
			},
			live: patched,
			want: equal(patched),
		},
		{
			name: "closing syncs nothing",
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('b', 100), 5000)
				f.Close()
			},
			live: patched,
			want: equal(base),
		},
		{
			name: "unsynced growth is lost",
			ops:  func(t *testing.T, f *os.File) { truncate(t, f, 5*pageSize) },
			live: cat(base, make([]byte, 2*pageSize)),
			want: equal(base),
		},
		{
			name: "an unsynced shrink is lost",
			ops:  func(t *testing.T, f *os.File) { truncate(t, f, 100) },
			live: base[:100],
			want: equal(base),
		},
		{
			name: "shrinking then growing reads zeros, and syncs so",
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('b', 10), 50)
				truncate(t, f, 100)
				truncate(t, f, 2*pageSize)
				fdatasync(t, f)
			},
			live: cat(base[:50], fill('b', 10), base[60:100], make([]byte, 2*pageSize-100)),
			want: equal(cat(base[:50], fill('b', 10), base[60:100], make([]byte, 2*pageSize-100))),
		},
		{
			name: "a synced write past the end leaves a hole of zeros",
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('b', 10), 5*pageSize+1)
				fdatasync(t, f)
			},
			live: cat(base, make([]byte, 2*pageSize+1), fill('b', 10)),
			want: equal(cat(base, make([]byte, 2*pageSize+1), fill('b', 10))),
		},
		{
			name: "a tear keeps whole sectors of the last page written",
			cut:  Tear,
			ops: func(t *testing.T, f *os.File) {
				write(t, f, fill('c', pageSize), 0)
				write(t, f, fill('b', pageSize), pageSize)
			},
			live: cat(fill('c', pageSize), fill('b', pageSize), base[2*pageSize:]),
			want: func(got []byte) error {
				if !bytes.Equal(got[:pageSize], base[:pageSize]) || !bytes.Equal(got[2*pageSize:], base[2*pageSize:]) {
					return errors.New("a page other than the last written changed")
				}
				torn := bytes.IndexByte(got[pageSize:2*pageSize], 'a')
				if torn < sectorSize || torn%sectorSize != 0 || !bytes.Equal(got[pageSize:pageSize+torn], fill('b', torn)) ||
					!bytes.Equal(got[pageSize+torn:2*pageSize], base[:pageSize-torn]) {
					return fmt.Errorf("the last page is not torn at a sector boundary: new data ends at %d", torn)
				}
				return nil
			},
		},
		{
			name: "a reordered cut keeps whole pages",
			cut:  Reorder,
			ops:  func(t *testing.T, f *os.File) { write(t, f, fill('b', 3*pageSize), 0) },
			live: fill('b', 3*pageSize),
			want: func(got []byte) error {
				for i := range 3 {
					p := got[i*pageSize : (i+1)*pageSize]
					if !bytes.Equal(p, fill('a', pageSize)) && !bytes.Equal(p, fill('b', pageSize)) {
						return fmt.Errorf("page %d is neither old nor new", i)
					}
				}
				return nil
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := MountT(t)
			path := filepath.Join(d.Mountpoint(), "f")
			f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			write(t, f, base, 0)
			fdatasync(t, f)
			tc.ops(t, f)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.live) {
				t.Fatalf("before the cut the file reads %d bytes, want %d: %s", len(got), len(tc.live), diff(got, tc.live))
			}
			f.Close()
			rep, err := d.PowerCut(tc.cut, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			// What the disk holds, then what the mount shows once the
			// power is back.
			for _, p := range []string{filepath.Join(d.Backing(), "f"), path} {
				got, err = os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.want(got); err != nil {
					t.Fatalf("after a %s cut (%+v), %s: %v", tc.cut, rep, p, err)
				}
				if p != path {
					if err := d.PowerOn(); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

func equal(want []byte) func([]byte) error {
	return func(got []byte) error {
		if !bytes.Equal(got, want) {
			return fmt.Errorf("file has %d bytes, want %d: %s", len(got), len(want), diff(got, want))
		}
		return nil
	}
}

func diff(got, want []byte) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at byte %d: %q, want %q", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

const boltChildEnv = "POWERCUT_BOLT_CHILD"

// TestMain runs the bbolt writer when TestBolt starts this binary as
// one: the process serving the mount must not mmap a file on it.
func TestMain(m *testing.M) {
	if path := os.Getenv(boltChildEnv); path != "" {
		if err := boltPut(path, os.Getenv("POWERCUT_BOLT_NOSYNC") != "", strings.Fields(os.Getenv("POWERCUT_BOLT_KEYS"))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func boltValue(k []byte) []byte { return fill(k[0], 64<<10) } // large: the file grows (ftruncate + fsync)

// boltPut commits keys in one transaction, then reads them back.
func boltPut(path string, noSync bool, keys []string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	db.NoSync = noSync
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("b"))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Put([]byte(k), boltValue([]byte(k))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	got, err := boltKeys(db)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !got[k] {
			return fmt.Errorf("key %s committed but not read back", k)
		}
	}
	return nil
}

// boltKeys checks the file and returns its keys.
func boltKeys(db *bolt.DB) (map[string]bool, error) {
	got := map[string]bool{}
	err := db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return tx.Bucket([]byte("b")).ForEach(func(k, v []byte) error {
			if !bytes.Equal(v, boltValue(k)) {
				return fmt.Errorf("key %s has a wrong value", k)
			}
			got[string(k)] = true
			return nil
		})
	})
	return got, err
}

// TestBolt runs bbolt on the Disk the way the journal does (pwrite,
// fdatasync, reads through mmap, flock, growth by ftruncate) in a child
// process: committed transactions survive every kind of cut, and one
// committed with NoSync does not.
func TestBolt(t *testing.T) {
	d := MountT(t)
	put := func(noSync bool, keys ...string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), boltChildEnv+"="+filepath.Join(d.Mountpoint(), "bolt.db"), "POWERCUT_BOLT_KEYS="+strings.Join(keys, " "))
		if noSync {
			cmd.Env = append(cmd.Env, "POWERCUT_BOLT_NOSYNC=1")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("bbolt writer on the mount: %v: %s", err, out)
		}
	}
	// has reads the disk while the power is off, then turns it on.
	has := func() map[string]bool {
		t.Helper()
		db, err := bolt.Open(filepath.Join(d.Backing(), "bolt.db"), 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := boltKeys(db)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := d.PowerOn(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var keys []string
	for i := range 20 {
		keys = append(keys, fmt.Sprintf("%c%d", 'a'+i, i))
	}
	put(false, keys...)
	for _, cut := range []Cut{Drop, Tear, Reorder} {
		if _, err := d.PowerCut(cut, rng); err != nil {
			t.Fatal(err)
		}
		if got := has(); len(got) != len(keys) {
			t.Fatalf("after a %s cut %d of %d committed keys are left", cut, len(got), len(keys))
		}
	}
	before := d.Stats().Syncs
	put(true, "z-nosync")
	if d.Stats().Syncs != before {
		t.Fatalf("a NoSync commit synced %d times", d.Stats().Syncs-before)
	}
	rep, err := d.PowerCut(Drop, rng)
	if err != nil {
		t.Fatal(err)
	}
	if got := has(); got["z-nosync"] || len(got) != len(keys) {
		t.Fatalf("after the cut (%+v) NoSync's key is there: %v; synced keys left: %d of %d", rep, got["z-nosync"], len(got), len(keys))
	}
	if rep.Pages == 0 {
		t.Fatal("the cut dropped no page")
	}
}

// TestFreeze: once the power goes, a write neither completes nor reaches
// the disk; it fails when the cut is done, and so does an fsync.
func TestFreeze(t *testing.T) {
	d := MountT(t)
	path := filepath.Join(d.Mountpoint(), "f")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("synced"), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	d.Freeze()
	done := make(chan error, 2)
	go func() {
		_, err := f.WriteAt([]byte("frozen"), 0)
		if err == nil {
			err = f.Sync()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a write after the power went returned %v before the cut", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := d.PowerCut(Drop, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, syscall.EIO) {
		t.Fatalf("a write waiting for the cut got %v, want EIO", err)
	}
	f.Close()
	got, err := os.ReadFile(filepath.Join(d.Backing(), "f"))
	if err != nil || string(got) != "synced" {
		t.Fatalf("the disk holds %q (%v), want %q", got, err, "synced")
	}
	if err := d.PowerOn(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(path); err != nil || string(got) != "synced" {
		t.Fatalf("after PowerOn the mount reads %q (%v), want %q", got, err, "synced")
	}
}

// TestVolatileModel drives one file's volatile layer (no mount needed)
// with random writes, truncates and syncs, against a model of
// the logical file and of what is synced: reads must show the logical
// file, a sync must make the backing file equal it, and a Drop cut must
// leave what was synced last.
func TestVolatileModel(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 9))
			path := filepath.Join(t.TempDir(), "f")
			synced := fill('s', rng.IntN(3*pageSize))
			if err := os.WriteFile(path, synced, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d := &Disk{files: map[uint64]*volatile{}}
			v, err := d.state(1, f)
			if err != nil {
				t.Fatal(err)
			}
			logical := slices.Clone(synced)
			for step := range 200 {
				switch op := rng.IntN(10); {
				case op < 6:
					off, n := rng.IntN(5*pageSize), 1+rng.IntN(2*pageSize)
					data := fill(byte('a'+step%26), n)
					if err := v.write(data, int64(off)); err != nil {
						t.Fatal(err)
					}
					if end := off + n; end > len(logical) {
						logical = append(logical, make([]byte, end-len(logical))...)
					}
					copy(logical[off:], data)
				case op < 8:
					size := rng.IntN(5 * pageSize)
					v.truncate(int64(size))
					if size < len(logical) {
						logical = logical[:size]
					} else {
						logical = append(logical, make([]byte, size-len(logical))...)
					}
				default:
					if err := v.sync(); err != nil {
						t.Fatal(err)
					}
					if err := v.fd.Close(); err != nil {
						t.Fatal(err)
					}
					delete(d.files, 1)
					synced = slices.Clone(logical)
					got, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, synced) {
						t.Fatalf("step %d: after a sync the file has %d bytes, want %d: %s", step, len(got), len(synced), diff(got, synced))
					}
					if v, err = d.state(1, f); err != nil {
						t.Fatal(err)
					}
				}
				got := make([]byte, len(logical)+pageSize)
				n, err := v.read(got, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got[:n], logical) {
					t.Fatalf("step %d: the file reads %d bytes, want %d: %s", step, n, len(logical), diff(got[:n], logical))
				}
			}
			// A Drop cut writes nothing: the disk holds the last sync.
			if err := v.cut(Drop, rng, &Report{}); err != nil {
				t.Fatal(err)
			}
			v.fd.Close()
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, synced) {
				t.Fatalf("after a drop the file has %d bytes, want the %d last synced: %s", len(got), len(synced), diff(got, synced))
			}
		})
	}
}
