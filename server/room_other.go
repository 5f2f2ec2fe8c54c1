//go:build !linux

package server

import "syscall"

// writeRoom cannot tell here whether a write goes through at once: every write from
// the read loop is guarded (inbox.drainWhile).
func writeRoom(syscall.RawConn, int) bool { return false }
