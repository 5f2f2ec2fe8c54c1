package index

import (
	"path/filepath"
	"testing"
)

func TestTokenCountsAreStoredAndRestored(t *testing.T) {
	root, db := warmWorkspace(t, 3)
	ix, err := Open(t.Context(), Options{Root: root, DBPath: db, Watch: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	counted := func() int {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		n := 0
		for _, e := range ix.entries {
			if e.stamp.Tokens > 0 {
				n++
			}
		}
		return n
	}
	eventually(t, "token counts", func() bool { return counted() == 3 })
	p := filepath.Join(root, ".ai-rules/ra.md")
	want := ix.Snapshot().RuleAt(p).Tokens()
	ix.Close()

	ix = reopen(t, root, db)
	defer ix.Close()
	e := ix.entries[p]
	if e == nil || !e.restored || e.stamp.Tokens != want || e.rule.Tokens() != want {
		t.Fatalf("restored entry %+v, want %d tokens", e, want)
	}
}
