package server

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A first index with a bulk of rules to count reports the counting with $/progress,
// begin to end, every rule counted by its end; a small one reports nothing.
// The same with "watch": "client": the server counts in the background whoever watches
// the files.
func TestCountingProgress(t *testing.T) {
	tests := []struct {
		n     int
		watch string
	}{{countingProgressMin, watchAuto}, {countingProgressMin, watchClient}, {3, watchAuto}}
	for _, tt := range tests {
		n := tt.n
		t.Run(fmt.Sprint(n, "/", tt.watch), func(t *testing.T) {
			root := t.TempDir()
			for i := range n {
				writeFile(t, filepath.Join(root, fmt.Sprintf(".ai-rules/r%04d.md", i)), fmt.Sprintf("---\ndescription: rule %d\nglobs: [\"*.go\"]\n---\nRule %d says one thing.\n", i, i))
			}
			e := start(t, root, sessionOptions{initOptions: map[string]any{"watch": tt.watch}})
			e.waitReady()
			kinds := func() []string {
				var out []string
				for _, p := range e.rec.progress {
					if strings.HasPrefix(p["_token"].(string), "airules-tokens-") {
						out = append(out, p["kind"].(string))
					}
				}
				return out
			}
			if n < countingProgressMin {
				if _, err := e.context(e.uri("main.go"), nil); err != nil {
					t.Fatal(err)
				}
				e.afterChange()
				e.rec.mu.Lock()
				defer e.rec.mu.Unlock()
				if k := kinds(); len(k) != 0 {
					t.Fatalf("counting progress for %d rules: %v", n, k)
				}
				return
			}
			e.rec.waitFor(t, 60*time.Second, "the counting's end", func() bool {
				k := kinds()
				return len(k) >= 2 && k[0] == "begin" && k[len(k)-1] == "end"
			})
			for _, r := range e.srv.currentFolders()[0].index().Snapshot().Rules.Rules() {
				if _, ok := r.CountedTokens(); !ok {
					t.Fatalf("%s not counted at the end", r.ID)
				}
			}
		})
	}
}
