package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ErrWrite marks an error of the disk while committing (a full disk, a
// read-only file system, a failed fsync): nothing a caller did wrong.
var ErrWrite = errors.New("the journal could not be written")

// ErrSuspect marks the journal after a write that failed once its commit
// record was already written: what the journal says may not all be on the
// disk. See Suspect.
var ErrSuspect = errors.New("the journal may not be on the disk")

// suspect holds the first such failure, for the life of the Journal.
type suspect struct{ err error }

// Suspect returns nil, or why the journal cannot be trusted to be on the
// disk any more (wrapping ErrSuspect). It stays set until the journal is
// closed: a restart reopens what the disk holds.
func (j *Journal) Suspect() error {
	if s := j.suspect.Load(); s != nil {
		return s.err
	}
	return nil
}

// settleWriteError decides what a failed write did (the rule in doc.go).
// bbolt writes its commit record and then syncs it; when that sync fails
// it returns the error, yet the commit stands, and every later read sees
// it. So after a disk error the record is read again: if it holds exactly
// what was written (rec under key in bucket), the write happened, nil is
// returned (the caller answers what is true), and the journal becomes
// suspect. Any other error is returned as it is.
func (j *Journal) settleWriteError(err error, bucket, key, rec []byte) error {
	if !errors.Is(err, ErrWrite) || rec == nil {
		return err
	}
	var got []byte
	if rerr := j.read(func(tx *bolt.Tx) error {
		got = bytes.Clone(tx.Bucket(bucket).Get(key))
		return nil
	}); rerr != nil || !bytes.Equal(got, rec) {
		return err
	}
	s := &suspect{err: fmt.Errorf("%w: a write to %s failed after its commit record was written (%w), so the journal may not be on the disk: it stopped taking payments; free or repair the disk, then restart scanpay, which settles what the journal holds", ErrSuspect, j.path, err)}
	j.suspect.CompareAndSwap(nil, s)
	return nil
}
