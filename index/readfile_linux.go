package index

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"
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

// openat2 (Linux 5.6) resolves a path beneath a folder in the kernel, in one step that
// no flipped link can escape: it spares the /proc readlink (the costliest call of a
// read) for every file reached without an absolute link or a "..".
const (
	sysOpenat2          = 437 // the same number on every architecture
	resolveNoMagiclinks = 0x02
	resolveBeneath      = 0x08
)

type openHow struct{ flags, mode, resolve uint64 }

// noOpenat2 is set once the kernel says it has no openat2.
var noOpenat2 atomic.Bool

func (t *tree) openRoot() {
	if noOpenat2.Load() {
		return
	}
	fd, err := syscall.Open(t.dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	t.root = fd
	// A walk's tree lives as long as the reads of what it found: the descriptor goes
	// with it, unless close comes first.
	t.cleanup = runtime.AddCleanup(t, func(fd int) { syscall.Close(fd) }, fd)
}

// close releases the folder's descriptor now; the tree reads through paths after.
func (t *tree) close() {
	if t.root >= 0 {
		t.cleanup.Stop()
		syscall.Close(t.root)
		t.root = -1
	}
}

// openBeneath opens abs through openat2 beneath the tree's folder. ok false and err nil
// means: use the checked path instead (no openat2, or a resolution that leaves the
// folder on the way, such as an absolute link, which may still end inside).
func (t *tree) openBeneath(abs string) (f *os.File, ok bool, err error) {
	if t.root < 0 || !strings.HasPrefix(abs, t.dir+string(filepath.Separator)) {
		return nil, false, nil
	}
	rel := abs[len(t.dir)+1:]
	p, err := syscall.BytePtrFromString(rel)
	if err != nil {
		return nil, false, nil
	}
	how := openHow{flags: uint64(syscall.O_RDONLY | syscall.O_CLOEXEC | openFlags), resolve: resolveBeneath | resolveNoMagiclinks}
	for {
		fd, _, errno := syscall.Syscall6(sysOpenat2, uintptr(t.root), uintptr(unsafe.Pointer(p)),
			uintptr(unsafe.Pointer(&how)), unsafe.Sizeof(how), 0, 0)
		runtime.KeepAlive(t)
		switch {
		case errno == 0:
			return os.NewFile(fd, abs), true, nil
		case errno == syscall.EINTR || errno == syscall.EAGAIN:
			continue
		case errno == syscall.ENOSYS || errno == syscall.EPERM: // no openat2, or a seccomp filter
			noOpenat2.Store(true)
			return nil, false, nil
		case errno == syscall.EXDEV || errno == syscall.ELOOP || errno == syscall.E2BIG || errno == syscall.EINVAL:
			return nil, false, nil
		}
		return nil, false, &os.PathError{Op: "open", Path: abs, Err: errno}
	}
}
