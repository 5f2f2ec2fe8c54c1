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

// A server's index counts in the background whoever watches the files: its own watcher,
// or its client alone (Serve without Watch). A one-shot's index counts nothing.
func TestServingIndexCountsInTheBackground(t *testing.T) {
	for _, tt := range []struct {
		name         string
		watch, serve bool
	}{{"watch", true, false}, {"serve", false, true}, {"one-shot", false, false}} {
		t.Run(tt.name, func(t *testing.T) {
			root, db := warmWorkspace(t, 3)
			ended := make(chan int, 1)
			ix := reopenWith(t, Options{Root: root, DBPath: db, Watch: tt.watch, Serve: tt.serve,
				OnCounting: func(done, total int) {
					if done == total && total > 0 {
						ended <- total
					}
				}})
			if !tt.watch && !tt.serve {
				ix.Close() // waits for anything it started
				select {
				case n := <-ended:
					t.Fatalf("a one-shot's index counted %d rules in the background", n)
				default:
				}
				return
			}
			if n := receive(t, ended, "background count's end"); n != 3 {
				t.Fatalf("counted a round of %d rules, want 3", n)
			}
			if (ix.watcher != nil) != tt.watch {
				t.Fatalf("watcher running: %v, want %v", ix.watcher != nil, tt.watch)
			}
			for _, r := range ix.Snapshot().Rules.Rules() {
				if _, ok := r.CountedTokens(); !ok {
					t.Errorf("%s not counted", r.ID)
				}
			}
		})
	}
}
