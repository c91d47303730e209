package store

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// group commits concurrent writes together (group commit). A write that
// finds no commit running leads one at once, alone; writes that arrive
// while a commit runs queue, and when it ends the first of them leads the
// next commit with all of them (up to max). So a lone writer never waits
// for company, and under load one fsync serves everyone who queued during
// the previous one. bbolt's own Batch instead closes a batch after a fixed
// delay, whether or not the file is free: under load its batches queued
// behind each other on bbolt's writer lock and committed one by one.
//
// Every caller still returns only after the transaction holding its write
// is committed and synced, and never sees another write's error.
type group struct {
	db  *bolt.DB
	max int

	mu      sync.Mutex
	queue   []*groupCall
	leading bool // a commit is running or about to start
}

type groupCall struct {
	fn      func(*bolt.Tx) error
	refused error
	done    chan groupResult // one result, or the turn to lead
}

type groupResult struct {
	err  error
	lead bool
}

// write commits fn in the next group and returns its own outcome: its
// refusal (see refuse), the commit's error, or nil. A panic in fn is
// raised again in the caller's goroutine.
func (g *group) write(fn func(*bolt.Tx) error) error {
	err := g.wait(fn)
	var p panicked
	if errors.As(err, &p) {
		panic(p.value)
	}
	return err
}

func (g *group) wait(fn func(*bolt.Tx) error) error {
	c := &groupCall{fn: fn, done: make(chan groupResult, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.leading {
		g.mu.Unlock()
		r := <-c.done
		if !r.lead {
			return r.err
		}
	} else {
		g.leading = true
		g.mu.Unlock()
	}
	g.lead()
	return (<-c.done).err
}

// lead commits the queue's head, then hands the lead to the next waiting
// write, if any.
func (g *group) lead() {
	g.mu.Lock()
	n := min(len(g.queue), g.max)
	calls := append([]*groupCall(nil), g.queue[:n]...)
	g.queue = append(g.queue[:0:0], g.queue[n:]...)
	g.mu.Unlock()

	g.commit(calls)

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.leading = false
		g.mu.Unlock()
		return
	}
	next := g.queue[0]
	g.mu.Unlock()
	next.done <- groupResult{lead: true}
}

// commit runs calls in one transaction. A call whose fn fails (other than
// by refusal) is taken out and committed alone, so its error is its own,
// and the rest run again (each fn derives everything from tx, so it may
// run more than once). A panic of bbolt's own (a damaged file) becomes
// every caller's error: left to unwind the leader, it would strand the
// others and every later write.
func (g *group) commit(calls []*groupCall) {
	for len(calls) > 0 {
		failed := -1
		err := updateOrDamaged(g.db, func(tx *bolt.Tx) error {
			for i, c := range calls {
				c.refused = nil
				err := safely(c.fn, tx)
				var r refusal
				if errors.As(err, &r) {
					c.refused = err
					continue
				}
				if err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				if err != nil {
					c.done <- groupResult{err: err}
				} else {
					c.done <- groupResult{err: c.refused}
				}
			}
			return
		}
		alone := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		alone.done <- groupResult{err: updateOrDamaged(g.db, func(tx *bolt.Tx) error { return safely(alone.fn, tx) })}
	}
}

// safely turns a panic in fn into an error, so one write's bug cannot
// leave the writes queued behind it waiting forever; write raises it again.
func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicked{p}
		}
	}()
	return fn(tx)
}

type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprintf("a journal write panicked: %v", p.value) }
