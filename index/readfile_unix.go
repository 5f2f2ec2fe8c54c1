//go:build unix && !linux

package index

import (
	"os"
	"syscall"
)

// openFlags: a FIFO opens at once instead of waiting for a writer, and a terminal
// never becomes the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// fdPath has no portable form outside Linux: descriptorPath falls back to resolving
// the path and comparing it with the descriptor.
func fdPath(*os.File) (string, bool) { return "", false }

// openRoot: no openat2 here.
func (t *tree) openRoot() {}

func (t *tree) close() {}

// openBeneath: every read takes the checked path.
func (t *tree) openBeneath(string) (*os.File, bool, error) { return nil, false, nil }
