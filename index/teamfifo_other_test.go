//go:build !unix

package index

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs on this system") }
