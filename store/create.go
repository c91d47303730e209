package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// create makes a new, empty journal at path so that path never names a
// half-written file: bbolt writes a new file's meta and root pages in one
// unsynced write, and a power cut there can leave pages without a valid
// meta page, which bbolt then refuses as an invalid database at every
// start. So the journal is made and synced under a temporary name, then
// linked to path (a link, unlike a rename, never replaces a journal that
// a second scanpay made meanwhile), and the folder is synced.
//
// Where the file system cannot link, path is left for bolt.Open to make
// in place, as before.
func create(path string, timeout time.Duration) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".creating-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			err = fmt.Errorf("%w: %w", ErrWrite, err)
		}
		return fmt.Errorf("create the journal in %s: %w (make data_dir writable for scanpay's user)", filepath.Dir(path), err)
	}
	name := tmp.Name()
	tmp.Close()
	defer os.Remove(name)
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: timeout})
	if err != nil {
		return fmt.Errorf("create the journal %s: %w", name, err)
	}
	err = db.Update(initBuckets)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create the journal %s: %w", name, err)
	}
	if err := os.Link(name, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil // no hard links here (FAT, some shares): bolt.Open makes it in place
	}
	return syncDir(filepath.Dir(path))
}

// removeLeftovers deletes temporary files of creations a crash cut
// short. Called with the journal open (and so locked): a creation that
// races with it finds its file gone, fails to link, and opens the journal
// that exists.
func removeLeftovers(path string) {
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), globEscape(filepath.Base(path))+".creating-*"))
	for _, l := range left {
		os.Remove(l)
	}
}

func globEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch r {
		case '*', '?', '[', '\\':
			if runtime.GOOS != "windows" {
				out = append(out, '\\')
			} else {
				r = '?'
			}
		}
		out = append(out, r)
	}
	return string(out)
}

// syncDir makes a new name in dir durable. Windows has no folder fsync;
// NTFS journals its metadata.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync the journal's folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync the journal's folder %s: %w", dir, err)
	}
	return nil
}
