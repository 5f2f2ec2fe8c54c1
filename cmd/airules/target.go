package main

import (
	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
)

// readTarget is the content of the file a context is asked for, for the rules that
// match on content (Continue's regex): read through the index's one hardened reader
// (a regular file inside the workspace, never blocking), nil when it cannot be read or
// is over rules.MaxContentBytes, so that only glob and language rules decide.
func readTarget(root, rel string) []byte {
	data, _, err := index.ReadWorkspaceFile(root, rel, rules.MaxContentBytes)
	if err != nil {
		return nil
	}
	return data
}
