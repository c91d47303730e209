package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// errDamaged wraps a panic of bbolt's on a damaged file: bbolt panics
// instead of answering an error on some damage (a freelist or branch page
// that is not what its meta page says), and a store PC's scanpay must
// then say what is wrong, not crash in a restart loop.
var errDamaged = errors.New("the journal file is damaged (bbolt could not read it); keep it, it may hold open payments: restore it from a backup or ask support, and do not delete it")

// openBolt is bolt.Open with its panics turned into errDamaged. A panic
// inside Open leaves bbolt's file open; the caller stops anyway.
func openBolt(path string, timeout time.Duration) (db *bolt.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("%w: %v", errDamaged, p)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
}

// updateOrDamaged is db.Update with its panics turned into errDamaged.
func updateOrDamaged(db *bolt.DB, fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errDamaged, p)
		}
	}()
	return db.Update(fn)
}
