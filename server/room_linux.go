package server

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// writeRoom reports whether n bytes written to the connection c go through at once,
// without the peer reading first, as far as the kernel tells: everything written
// before has been read (the send queue of a socket, the contents of a pipe, are empty)
// and n fits what the socket or pipe holds, with room to spare for the kernel's own
// accounting. False when it cannot tell (a terminal, a file, no descriptor).
func writeRoom(c syscall.RawConn, n int) bool {
	room := false
	_ = c.Control(func(fd uintptr) {
		if size, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); err == nil {
			// A socket (an editor's stdio socketpair, --listen): SIOCOUTQ is what the
			// peer has not read yet, charged to the send buffer.
			if queued, err := unix.IoctlGetInt(int(fd), unix.SIOCOUTQ); err == nil {
				room = queued == 0 && n <= size/2
			}
			return
		}
		if size, err := unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0); err == nil {
			// TIOCINQ is FIONREAD: what the pipe holds, asked of either end.
			if queued, err := unix.IoctlGetInt(int(fd), unix.TIOCINQ); err == nil {
				room = queued == 0 && n <= size-4096
			}
		}
	})
	return room
}
