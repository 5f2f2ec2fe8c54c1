package index

import (
	"errors"
	"fmt"
	"os"
)

// errLocked means another process holds the database.
var errLocked = errors.New("database is in use by another airules process")

// lockFile takes an exclusive, non-blocking OS lock on path (created if missing).
// buntdb does no locking of its own, and two servers appending to one file corrupt it
// (two editor windows on one workspace start two servers). The lock dies with the
// process, so a crash never leaves a stale lock behind.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|openFlags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, errNotRegular)
	}
	if err := flock(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// unlockFile releases the lock. The file stays: removing it would race with a process
// that has just opened it and is about to lock it.
func unlockFile(f *os.File) error {
	if f == nil {
		return nil
	}
	funlock(f)
	return f.Close()
}
