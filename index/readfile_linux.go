package index

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// openFlags: a FIFO opens at once instead of waiting for a writer, and a terminal
// never becomes the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// fdPath is the path the kernel holds for the open file: the target as opened, which a
// link flipped after the open cannot change. false when /proc is not mounted.
func fdPath(f *os.File) (string, bool) {
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil || !strings.HasPrefix(p, "/") {
		return "", false
	}
	return p, true
}
