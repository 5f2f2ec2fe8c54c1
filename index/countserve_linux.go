package index

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// lowerThreadPriority puts the calling thread in the idle class (SCHED_IDLE), or, where
// that is refused, gives it the lowest nice value. On Linux a policy belongs to a
// thread, so the process's other threads keep theirs. The idle class matters on a busy
// machine: a nice-19 thread still keeps its CPU for the rest of its slice when an
// editor's or the server's thread wakes, while an idle-class thread yields at once, and
// the scheduler counts a CPU running only idle-class threads as free when it places a
// woken thread (BenchmarkContextVSCode's cold p99 measures it).
func lowerThreadPriority() {
	if unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_IDLE}, 0) == nil {
		return
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
}
