package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Defaults for Options.
const (
	DefaultTimeout      = time.Second
	DefaultMaxBatchSize = 64
)

// Options tune Open. The zero value is usable.
type Options struct {
	Timeout      time.Duration    // file-lock wait; default 1s
	Now          func() time.Time // default time.Now
	MaxBatchSize int              // most writes in one commit; default DefaultMaxBatchSize
}

// Errors a caller decides on. Each is wrapped with the id or path it is
// about, so test with errors.Is.
var (
	ErrNotFound      = errors.New("not found in the journal")
	ErrLocked        = errors.New("journal is locked")
	ErrExists        = errors.New("already in the journal")
	ErrRefundExceeds = errors.New("refund exceeds what is left to refund")
	ErrNotRefundable = errors.New("payment is not refundable")
	ErrInvalid       = errors.New("invalid journal input")
	// ErrRefundInProgress: a payment with a refund not yet final cannot
	// leave approved (e.g. be reversed) until that refund is settled.
	ErrRefundInProgress = errors.New("a refund of the payment is in progress")
	// ErrKeyReused: a refund's idempotency key was first sent with another
	// request.
	ErrKeyReused = errors.New("the idempotency key was first used for another request")
)

// StateError is a refused compare-and-set: the payment (or refund) was not
// in any of the states the caller expected. Someone else moved it first.
type StateError struct {
	ID   string
	Want []State
	Got  State
}

func (e *StateError) Error() string {
	return fmt.Sprintf("payment %s is %s, not %s: another lane or the recovery moved it first; reload it and decide again",
		e.ID, e.Got, joinStates(e.Want))
}

// RefundStateError is StateError for refunds.
type RefundStateError struct {
	ID   string
	Want []RefundState
	Got  RefundState
}

func (e *RefundStateError) Error() string {
	want := make([]State, len(e.Want))
	for i, s := range e.Want {
		want[i] = State(s)
	}
	return fmt.Sprintf("refund %s is %s, not %s: it was moved first; reload it and decide again",
		e.ID, e.Got, joinStates(want))
}

func joinStates(ss []State) string {
	if len(ss) == 0 {
		return "(no state given)"
	}
	out := string(ss[0])
	for _, s := range ss[1:] {
		out += " or " + string(s)
	}
	return out
}

// Journal is the bbolt file holding payments, refunds and deliveries. It is
// safe for concurrent use; concurrent writers share fsyncs (group commit).
type Journal struct {
	db      *bolt.DB
	path    string
	now     func() time.Time
	group   group
	suspect atomic.Pointer[suspect]
}

// Open opens (or creates) the journal at path. The parent directory is
// created 0700 and the file 0600: it holds payment codes while they are
// live. If another process holds the file, Open fails with ErrLocked after
// opts.Timeout.
func Open(path string, opts Options) (*Journal, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: journal path is empty; set data_dir in the config", ErrInvalid)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBatchSize <= 0 {
		opts.MaxBatchSize = DefaultMaxBatchSize
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create the journal's folder: %w (check data_dir and its permissions)", err)
	}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if err := create(path, opts.Timeout); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(path, opts.Timeout)
	if err != nil {
		if errors.Is(err, errDamaged) {
			return nil, fmt.Errorf("%w: open journal %s: %w", ErrInvalid, path, err)
		}
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: another scanpay is already using %s (waited %s; stop the other instance or use another data_dir): %w",
				ErrLocked, path, opts.Timeout, err)
		}
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return nil, fmt.Errorf("%w: open journal %s: %w: the file or its folder is read-only (or the disk went read-only): make data_dir writable for scanpay's user; keep the journal where it is, it holds the open payments", ErrWrite, path, err)
		}
		return nil, fmt.Errorf("open journal %s: %w (is it a scanpay journal? if it is, keep it: it may hold open payments; restore it from a backup or ask support; only a file that is no journal may be moved aside)", path, err)
	}
	now := opts.Now
	// The journal stamps UTC without a monotonic reading: that is what JSON
	// keeps, and one zone keeps history entries comparable across a DST
	// change or a moved PC.
	j := &Journal{db: db, path: path, now: func() time.Time { return now().Round(0).UTC() },
		group: group{db: db, max: opts.MaxBatchSize}}
	if err := updateOrDamaged(db, initBuckets); err != nil {
		db.Close()
		if errors.Is(err, errDamaged) {
			return nil, fmt.Errorf("%w: open journal %s: %w", ErrInvalid, path, err)
		}
		if errors.Is(err, ErrInvalid) {
			return nil, fmt.Errorf("open journal %s: %w", path, err)
		}
		return nil, fmt.Errorf("%w: open journal %s: %w: free space on its drive or make data_dir writable; keep the journal where it is, it may hold open payments", ErrWrite, path, err)
	}
	removeLeftovers(path)
	return j, nil
}

// Close releases the file and its lock.
func (j *Journal) Close() error { return j.db.Close() }

// Path is the journal file's path.
func (j *Journal) Path() string { return j.path }

// write commits fn durably, in one transaction with the writes of other
// goroutines that arrive meanwhile (see group). fn may run more than once,
// so it must reset whatever it reports and derive everything from tx.
//
// fn returns refuse(err) for a refusal decided before it wrote anything
// (a CAS miss, a missing record, bad input): that commits the other
// writes of its group untouched instead of rerunning them.
func (j *Journal) write(fn func(*bolt.Tx) error) error {
	return commitErr(j.group.write(fn))
}

// commitErr returns a refusal's own error, and marks any other (the
// disk's, or bbolt's while writing) as ErrWrite.
func commitErr(err error) error {
	var r refusal
	if err == nil || errors.As(err, &r) {
		return unrefuse(err)
	}
	return fmt.Errorf("%w: %w", ErrWrite, err)
}

// refusal marks an error returned before any write in the transaction.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }

func refuse(err error) error {
	if err == nil {
		return nil
	}
	return refusal{err}
}

func unrefuse(err error) error {
	var r refusal
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

func (j *Journal) read(fn func(*bolt.Tx) error) error { return j.db.View(fn) }
