package main

import (
	"io"
	"os"

	"github.com/airules/airules/rules"
)

// readTarget reads the file `context` is asked about, for rules that match on content
// (Continue's regex): a regular file, at most rules.MaxContentBytes; nil when it does
// not exist (yet) or is anything else.
func readTarget(path string) []byte {
	// Stat first: opening a FIFO would block until someone writes to it.
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(f, rules.MaxContentBytes))
	if err != nil {
		return nil
	}
	return b
}
