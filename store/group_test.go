package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// groupOn opens a real bbolt file with one bucket and a group over it.
func groupOn(t *testing.T, max int) (*group, *bolt.DB) {
	t.Helper()
	g, db, _ := groupFile(t, max, bolt.Options{})
	return g, db
}

// groupFile is groupOn with bbolt's options, and says the file's path.
func groupFile(t *testing.T, max int, opts bolt.Options) (*group, *bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.db")
	opts.Timeout = time.Second
	db, err := bolt.Open(path, 0o600, &opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }); err != nil {
		t.Fatal(err)
	}
	return &group{db: db, max: max}, db, path
}

// queued waits until n writes wait behind the running commit.
func queued(t *testing.T, g *group, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		got := len(g.queue)
		g.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, n)
		}
	}
}

// holdCommit starts a write and holds its commit open until release,
// which returns that write's outcome.
func holdCommit(g *group) (release func() error) {
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- g.write(func(tx *bolt.Tx) error {
			close(held)
			<-hold
			return tx.Bucket([]byte("b")).Put([]byte("first"), []byte("x"))
		})
	}()
	<-held
	return func() error { close(hold); return <-first }
}

type groupOutcome struct {
	key   string
	txID  int
	err   error
	panic any
}

// TestGroupCommitsWhatQueuedMeanwhile holds one commit open, queues writes
// behind it (some refused, one failing, one panicking) and checks that the
// rest commit together in as few transactions as max allows, each write
// gets its own outcome, and only the successful writes are in the file.
func TestGroupCommitsWhatQueuedMeanwhile(t *testing.T) {
	errBroken := errors.New("broken write")
	for _, tc := range []struct {
		name    string
		max     int
		kinds   []string // ok, refuse, fail, panic
		wantTxs int      // transactions the ok writes committed in
	}{
		{"all in one", 64, []string{"ok", "ok", "ok", "ok", "ok"}, 1},
		{"capped at max", 2, []string{"ok", "ok", "ok", "ok", "ok"}, 3},
		{"refusals commit the rest", 64, []string{"ok", "refuse", "ok", "refuse", "ok"}, 1},
		{"a failing write fails alone", 64, []string{"ok", "fail", "ok", "ok"}, 1},
		{"a panic is raised in its own goroutine", 64, []string{"ok", "panic", "ok"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, db := groupOn(t, tc.max)
			release := holdCommit(g)
			out := make([]groupOutcome, len(tc.kinds))
			var wg sync.WaitGroup
			for i, kind := range tc.kinds {
				// one at a time, so the queue's order is the table's
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := &out[i]
					o.key = fmt.Sprint("k", i)
					defer func() { o.panic = recover() }()
					o.err = g.write(func(tx *bolt.Tx) error {
						switch kind {
						case "refuse":
							return refuse(fmt.Errorf("%w: %s", ErrNotFound, o.key))
						case "fail":
							tx.Bucket([]byte("b")).Put([]byte(o.key), []byte("x"))
							return errBroken
						case "panic":
							panic("bug in " + o.key)
						}
						o.txID = tx.ID()
						return tx.Bucket([]byte("b")).Put([]byte(o.key), []byte("x"))
					})
				}()
				queued(t, g, i+1)
			}
			if err := release(); err != nil {
				t.Fatalf("the first write: %v", err)
			}
			wg.Wait()

			txs := map[int]bool{}
			for i, kind := range tc.kinds {
				o := out[i]
				var stored bool
				db.View(func(tx *bolt.Tx) error { stored = tx.Bucket([]byte("b")).Get([]byte(o.key)) != nil; return nil })
				switch kind {
				case "ok":
					if o.err != nil || o.panic != nil || !stored {
						t.Errorf("%s: err %v, panic %v, stored %v; want committed", o.key, o.err, o.panic, stored)
					}
					txs[o.txID] = true
				case "refuse":
					if !errors.Is(o.err, ErrNotFound) || stored {
						t.Errorf("%s: err %v, stored %v; want its refusal, nothing stored", o.key, o.err, stored)
					}
				case "fail":
					if !errors.Is(o.err, errBroken) || stored {
						t.Errorf("%s: err %v, stored %v; want its own error, nothing stored", o.key, o.err, stored)
					}
				case "panic":
					if o.panic != "bug in "+o.key || stored {
						t.Errorf("%s: panic %v, stored %v; want its panic raised again, nothing stored", o.key, o.panic, stored)
					}
				}
			}
			if len(txs) != tc.wantTxs {
				t.Errorf("the successful writes committed in %d transactions, want %d", len(txs), tc.wantTxs)
			}
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.leading || len(g.queue) != 0 {
				t.Errorf("after all writes: leading %v, %d queued; want idle", g.leading, len(g.queue))
			}
		})
	}
}
