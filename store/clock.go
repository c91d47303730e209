package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// keyLastSeen holds the engine's "last seen time" mark: its retention
// time and the wall clock when it was taken (two stamps).
var keyLastSeen = []byte("last_seen")

// LastSeen returns the last seen time mark that SetLastSeen kept: the
// retention time r and the wall clock when it was taken. A journal
// without a mark (written before there was one, or by a run that never
// set it) answers with its newest payment's creation time for both; an
// empty one with zero times.
func (j *Journal) LastSeen() (r, wall time.Time, err error) {
	err = j.read(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bMeta).Get(keyLastSeen); v != nil {
			if len(v) != 16 {
				return fmt.Errorf("%w: the journal's last seen mark is %d bytes, not 16", ErrInvalid, len(v))
			}
			r, wall = unstamp(v[:8]).UTC(), unstamp(v[8:]).UTC()
			return nil
		}
		if k, _ := tx.Bucket(ixCreated).Cursor().Last(); k != nil {
			r = unstamp(k[:8]).UTC()
			wall = r
		}
		return nil
	})
	return r, wall, err
}

// SetLastSeen journals the last seen time mark (see LastSeen).
func (j *Journal) SetLastSeen(r, wall time.Time) error {
	v := stamp(stamp(nil, r), wall)
	return j.write(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put(keyLastSeen, v) })
}
