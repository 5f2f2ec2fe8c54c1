//go:build !linux

package index

// lowerThreadPriority does nothing where a priority belongs to the whole process:
// lowering it would slow the urgent counts too.
func lowerThreadPriority() {}
