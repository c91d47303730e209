package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// TestGroupManyWritersAgreeWithTheFile runs many concurrent writes of mixed
// kinds through one group over a real bbolt file and checks every caller's
// outcome against what the file holds afterwards: nil exactly when its
// write is there, its own refusal, error or panic otherwise, and a shared
// counter that every committed increment saw exactly once (so reruns
// derive everything from tx and nothing is committed twice or lost).
func TestGroupManyWritersAgreeWithTheFile(t *testing.T) {
	errBroken := errors.New("broken write")
	errFlaky := errors.New("flaky write")
	kinds := []string{"incr", "incr", "incr", "refuse", "fail", "panic", "flaky", "refuse-after-read"}
	for _, max := range []int{1, 2, 64} {
		t.Run(fmt.Sprint("max=", max), func(t *testing.T) {
			g, db := groupOn(t, max)
			const writers = 300
			type outcome struct {
				kind  string
				err   error
				panic any
				runs  int
			}
			out := make([]outcome, writers)
			rng := rand.New(rand.NewPCG(uint64(max), 7))
			for i := range out {
				out[i].kind = kinds[rng.IntN(len(kinds))]
			}
			var cur *bolt.Tx // the transaction fns run in now, and how many ran before
			var pos int
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range out {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := &out[i]
					key := []byte(fmt.Sprint("k", i))
					<-start
					defer func() { o.panic = recover() }()
					o.err = g.write(func(tx *bolt.Tx) error {
						// Only a leader runs fns, one commit at a time.
						o.runs++
						if tx != cur {
							cur, pos = tx, 0
						} else {
							pos++
						}
						b := tx.Bucket([]byte("b"))
						switch o.kind {
						case "refuse":
							return refuse(fmt.Errorf("%w: %s", ErrNotFound, key))
						case "refuse-after-read":
							b.Get([]byte("counter"))
							return refuse(fmt.Errorf("%w: %s", ErrExists, key))
						case "fail":
							b.Put(key, []byte("x"))
							return errBroken
						case "panic":
							b.Put(key, []byte("x"))
							panic(string(key))
						case "flaky":
							// Fails unless first in its transaction: so it
							// fails in a group and succeeds alone.
							if pos > 0 {
								b.Put(key, []byte("x"))
								return errFlaky
							}
						}
						var n uint64
						if v := b.Get([]byte("counter")); v != nil {
							n = binary.BigEndian.Uint64(v)
						}
						n++
						v := binary.BigEndian.AppendUint64(nil, n)
						if err := b.Put([]byte("counter"), v); err != nil {
							return err
						}
						return b.Put(key, v)
					})
				}()
			}
			close(start)
			waitWriters(t, &wg, "a lost wake-up or deadlock")

			var counter uint64
			seen := map[uint64]int{}
			committed := 0
			db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("b"))
				if v := b.Get([]byte("counter")); v != nil {
					counter = binary.BigEndian.Uint64(v)
				}
				for i, o := range out {
					v := b.Get([]byte(fmt.Sprint("k", i)))
					stored := v != nil
					switch o.kind {
					case "incr":
						if o.err != nil || o.panic != nil || !stored {
							t.Errorf("k%d incr: err %v, panic %v, stored %v; want committed", i, o.err, o.panic, stored)
						}
					case "flaky":
						if (o.err == nil) != stored || (o.err != nil && !errors.Is(o.err, errFlaky)) || o.panic != nil {
							t.Errorf("k%d flaky: err %v, panic %v, stored %v; want nil exactly when stored, else its own error", i, o.err, o.panic, stored)
						}
					case "refuse":
						if !errors.Is(o.err, ErrNotFound) || stored || o.panic != nil {
							t.Errorf("k%d refuse: err %v, stored %v; want its refusal, nothing stored", i, o.err, stored)
						}
					case "refuse-after-read":
						if !errors.Is(o.err, ErrExists) || stored || o.panic != nil {
							t.Errorf("k%d refuse-after-read: err %v, stored %v; want its refusal, nothing stored", i, o.err, stored)
						}
					case "fail":
						if !errors.Is(o.err, errBroken) || stored || o.panic != nil {
							t.Errorf("k%d fail: err %v, stored %v; want its own error, nothing stored", i, o.err, stored)
						}
					case "panic":
						if o.panic != fmt.Sprint("k", i) || stored || o.err != nil {
							t.Errorf("k%d panic: panic %v, err %v, stored %v; want its own panic raised, nothing stored", i, o.panic, o.err, stored)
						}
					}
					if stored && (o.kind == "incr" || o.kind == "flaky") {
						n := binary.BigEndian.Uint64(v)
						seen[n]++
						committed++
					}
					if o.runs == 0 {
						t.Errorf("k%d %s: its fn never ran", i, o.kind)
					}
				}
				return nil
			})
			flakyOK := 0
			for _, o := range out {
				if o.kind == "flaky" && o.err == nil {
					flakyOK++
				}
			}
			t.Logf("%d writes committed (%d flaky ones alone or first), counter %d", committed, flakyOK, counter)
			if uint64(committed) != counter {
				t.Errorf("%d increments committed, counter is %d", committed, counter)
			}
			for n := uint64(1); n <= counter; n++ {
				if seen[n] != 1 {
					t.Errorf("counter value %d was committed by %d writes, want 1", n, seen[n])
				}
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.leading || len(g.queue) != 0 {
				t.Errorf("after all writes: leading %v, %d queued; want idle", g.leading, len(g.queue))
			}
		})
	}
}

// TestGroupAfterCloseAnswersEveryone closes the file while writers are
// queued: every caller returns (none blocks forever), and a caller got nil
// exactly when its write is in the file when it is opened again.
func TestGroupAfterCloseAnswersEveryone(t *testing.T) {
	for _, max := range []int{1, 2, 64} {
		t.Run(fmt.Sprint("max=", max), func(t *testing.T) {
			g, db, path := groupFile(t, max, bolt.Options{})
			const writers = 200
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = g.write(func(tx *bolt.Tx) error {
						return tx.Bucket([]byte("b")).Put([]byte(fmt.Sprint("k", i)), []byte("x"))
					})
				}()
				if i == writers/2 {
					go db.Close()
				}
			}
			waitWriters(t, &wg, "after Close")
			stored := storedAfterReopen(t, db, path, writers)
			closed := 0
			func() {
				for i, err := range errs {
					stored := stored[i]
					if (err == nil) != stored {
						t.Errorf("k%d: err %v, stored %v; want nil exactly when stored", i, err, stored)
					}
					if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
						closed++
					} else if err != nil {
						t.Errorf("k%d: err %v, want nil or the closed database's", i, err)
					}
				}
			}()
			t.Logf("%d of %d writes answered the database is closed", closed, writers)
		})
	}
}

// TestGroupSurvivesAPanicOfBbolts: bbolt panics on some damage while
// committing (a freelist page that is not what its meta page says),
// outside any fn. That panic is simulated by a commit handler. Every
// caller of that commit must be answered (not wait forever behind a
// leader that panicked), with an error naming the damage, and later
// writes must still commit: a POS request's goroutine recovers panics
// (net/http), so a lead lost to one would stop every later write.
func TestGroupSurvivesAPanicOfBbolts(t *testing.T) {
	g, db := groupOn(t, 64)
	release := holdCommit(g)
	type answer struct {
		err   error
		panic any
	}
	answers := make(chan answer, 3)
	for i := range 3 {
		go func() {
			var a answer
			defer func() { a.panic = recover(); answers <- a }()
			a.err = g.write(func(tx *bolt.Tx) error {
				if i == 0 {
					tx.OnCommit(func() { panic("page 7 already freed") })
				}
				return tx.Bucket([]byte("b")).Put([]byte(fmt.Sprint("k", i)), []byte("x"))
			})
		}()
		queued(t, g, i+1)
	}
	if err := release(); err != nil {
		t.Fatalf("the first write: %v", err)
	}
	for range 3 {
		select {
		case a := <-answers:
			if a.panic != nil || !errors.Is(a.err, errDamaged) {
				t.Errorf("a write in the commit bbolt panicked in: err %v, panic %v; want an error naming the damage", a.err, a.panic)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a write in the commit bbolt panicked in was never answered")
		}
	}
	later := make(chan error, 1)
	go func() {
		later <- g.write(func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("later"), []byte("x")) })
	}()
	select {
	case err := <-later:
		if err != nil {
			t.Fatalf("a later write: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a later write was never answered: the lead was lost with bbolt's panic")
	}
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("b")).Get([]byte("later")) == nil {
			t.Error("the later write answered nil but is not in the file")
		}
		return nil
	})
}

// waitWriters waits for wg, failing the test if writers are still blocked
// after a minute.
func waitWriters(t *testing.T, wg *sync.WaitGroup, why string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("writers still blocked after a minute: %s", why)
	}
}

// TestGroupCommitErrorReachesEveryCaller fills a real bbolt file up to its
// MaxSize (a full disk, as bbolt sees it), so commits fail after every fn
// succeeded: each caller of a failed commit must get that commit's error
// (never nil, never another write's), and a caller got nil exactly when
// its write is in the file once it is opened again.
func TestGroupCommitErrorReachesEveryCaller(t *testing.T) {
	for _, max := range []int{1, 2, 64} {
		t.Run(fmt.Sprint("max=", max), func(t *testing.T) {
			g, db, path := groupFile(t, max, bolt.Options{MaxSize: 512 << 10})
			const writers = 300
			errs := make([]error, writers)
			refused := func(i int) bool { return i%5 == 0 }
			var wg sync.WaitGroup
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = g.write(func(tx *bolt.Tx) error {
						if refused(i) {
							return refuse(fmt.Errorf("%w: k%d", ErrNotFound, i))
						}
						return tx.Bucket([]byte("b")).Put([]byte(fmt.Sprint("k", i)), make([]byte, 4096))
					})
				}()
			}
			waitWriters(t, &wg, "a failed commit lost a caller")
			stored := storedAfterReopen(t, db, path, writers)
			full := 0
			func() {
				for i, err := range errs {
					stored := stored[i]
					isFull := errors.Is(err, bolterrors.ErrMaxSizeReached)
					if isFull {
						full++
					}
					switch {
					case refused(i) && (stored || !(errors.Is(err, ErrNotFound) || isFull)):
						t.Errorf("k%d refused: err %v, stored %v; want its refusal or its commit's error, nothing stored", i, err, stored)
					case !refused(i) && ((err == nil) != stored || (err != nil && !isFull)):
						t.Errorf("k%d: err %v, stored %v; want nil exactly when stored, else its commit's error", i, err, stored)
					}
				}
			}()
			if full == 0 {
				t.Fatal("no commit failed: the file never reached its MaxSize, so this test checked nothing")
			}
			t.Logf("%d of %d writes answered the file is full", full, writers)
		})
	}
}

// storedAfterReopen closes db, opens its file again and reports which of
// the keys k0 … k(n-1) it holds.
func storedAfterReopen(t *testing.T, db *bolt.DB, path string, n int) []bool {
	t.Helper()
	db.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stored := make([]bool, n)
	db.View(func(tx *bolt.Tx) error {
		for i := range stored {
			stored[i] = tx.Bucket([]byte("b")).Get([]byte(fmt.Sprint("k", i))) != nil
		}
		return nil
	})
	return stored
}
