package fileperm

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotRegular is wrapped when the path is a link, a folder, a FIFO or a
// device: a secret, a setting or a token lives in a plain file only.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading without waiting on a FIFO or device, and
// refuses anything that is not a regular file. Checks then ask about the
// opened file (an fstat, not a second look-up of the path), so what was
// checked is what is read.
func Open(path string) (*os.File, error) { return open(path, true) }

// OpenNoFollow is Open that also refuses a link at the last element of
// path, for a file scanpay creates and owns (the API token): a link put
// there by someone else is never followed.
func OpenNoFollow(path string) (*os.File, error) { return open(path, false) }

func open(path string, follow bool) (*os.File, error) {
	f, err := openFile(path, follow)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is %s, %w: point the setting at a plain file", path, kindOf(st.Mode()), ErrNotRegular)
	}
	return f, nil
}

func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
