//go:build unix

package rules

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time: on a shared machine it is
// steadier than wall time, which other tenants stretch.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
