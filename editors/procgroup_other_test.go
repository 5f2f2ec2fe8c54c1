//go:build !unix

package editors

import "os/exec"

// ownGroup: without process groups, cancelling kills the node script only.
func ownGroup(*exec.Cmd) {}
