package index

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// The first index reports its progress, the total among the counts (workers may report
// out of order); later reindexes report nothing.
func TestOpenReportsProgress(t *testing.T) {
	root := t.TempDir()
	const n = 150
	for i := range n {
		write(t, root, fmt.Sprintf(".ai-rules/r%03d.md", i), ruleText("rule", "*.go"))
	}
	var mu sync.Mutex
	var seen [][2]int
	ix := open(t, Options{Root: root, DBPath: ":memory:", Progress: func(done, total int) {
		mu.Lock()
		seen = append(seen, [2]int{done, total})
		mu.Unlock()
	}})
	mu.Lock()
	got := append([][2]int(nil), seen...)
	mu.Unlock()
	if len(got) < 2 || !slices.Contains(got, [2]int{n, n}) {
		t.Fatalf("progress %v, want several calls, one of them %d/%d", got, n, n)
	}
	for _, p := range got {
		if p[1] != n || p[0] <= 0 || p[0] > n {
			t.Fatalf("progress %v out of range", p)
		}
	}
	write(t, root, ".ai-rules/r000.md", ruleText("changed", "*.ex"))
	if _, err := ix.Reindex(t.Context(), "cli"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(got) {
		t.Errorf("a later reindex reported progress: %v", seen[len(got):])
	}
}
