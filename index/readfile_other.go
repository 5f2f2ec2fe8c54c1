//go:build !unix

package index

import "os"

// openFlags: no FIFOs to guard against here.
const openFlags = 0

// fdPath: descriptorPath falls back to resolving the path and comparing it with the
// descriptor.
func fdPath(*os.File) (string, bool) { return "", false }

// openRoot: no openat2 here.
func (t *tree) openRoot() {}

func (t *tree) close() {}

// openBeneath: every read takes the checked path.
func (t *tree) openBeneath(string) (*os.File, bool, error) { return nil, false, nil }
