package index

import "syscall"

// lowerThreadPriority gives the calling thread the lowest priority (nice 19): on Linux
// a priority belongs to a thread, so the process's other threads keep theirs.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}
