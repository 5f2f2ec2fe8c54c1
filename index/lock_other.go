//go:build !unix

package index

import "os"

// Without flock (Windows, Plan 9) the database is not guarded: buntdb's own file open
// is the only protection there. Documented in the package doc of limits.
func flock(f *os.File) error { return nil }

func funlock(f *os.File) {}
