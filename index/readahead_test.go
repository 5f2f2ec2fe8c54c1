package index

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// ReadAhead keeps the bodies of the most important rules, up to its byte bound, and
// reads no other: a body read ahead is what the file said then, one not read ahead is
// read when first rendered.
func TestReadAheadKeepsTheFirstRulesBodies(t *testing.T) {
	root := t.TempDir()
	body := strings.Repeat("word ", 40) // 200 bytes
	for i := range 6 {
		write(t, root, fmt.Sprintf(".ai-rules/r%d.md", i), fmt.Sprintf("---\ndescription: rule %d\npriority: %d\nglobs: [\"*.go\"]\n---\n%s\n", i, 90-i, body))
	}
	write(t, root, ".ai-rules/agent.md", "---\ndescription: on request\npriority: 100\n---\n"+body+"\n")
	db := filepath.Join(t.TempDir(), "index.db")
	reopenWith(t, Options{Root: root, DBPath: db}).Close()

	ix := reopenWith(t, Options{Root: root, DBPath: db}) // restored: bodies on disk
	ix.ReadAhead(3 * len(body))
	snap := ix.Snapshot()
	for i := range 6 {
		write(t, root, fmt.Sprintf(".ai-rules/r%d.md", i), fmt.Sprintf("---\ndescription: rule %d\npriority: %d\nglobs: [\"*.go\"]\n---\nchanged\n", i, 90-i))
	}
	for i := range 6 {
		r := snap.RuleAt(filepath.Join(root, fmt.Sprintf(".ai-rules/r%d.md", i)))
		if r == nil {
			t.Fatalf("rule %d missing", i)
		}
		kept := strings.TrimSpace(r.Text()) == strings.TrimSpace(body)
		if want := i < 3; kept != want {
			t.Errorf("rule %d (priority %d): body kept %v, want %v", i, 90-i, kept, want)
		}
	}
}
