package index

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/rules"
)

// A read-ahead keeps the bodies of the most important rules, up to its byte bound, and
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

	ix := reopenWith(t, Options{Root: root, DBPath: db, ReadAhead: Ahead{Read: 3 * len(body)}}) // restored: bodies on disk
	<-ix.AheadDone()
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

// On a first index, a read-ahead counts the most important rules in the count worker, up
// to its byte bound of rule files, and no other: their counts are the tokenizer's.
func TestReadAheadCountsTheFirstRules(t *testing.T) {
	root := t.TempDir()
	body := strings.Repeat("word ", 40)
	for i := range 6 {
		write(t, root, fmt.Sprintf(".ai-rules/r%d.md", i), fmt.Sprintf("---\ndescription: rule %d\npriority: %d\nglobs: [\"*.go\"]\n---\n%s\n", i, 90-i, body))
	}
	write(t, root, ".ai-rules/agent.md", "---\ndescription: on request\npriority: 100\n---\n"+body+"\n")
	size := len(fmt.Sprintf("---\ndescription: rule %d\npriority: %d\nglobs: [\"*.go\"]\n---\n%s\n", 0, 90, body))
	ix := reopenWith(t, Options{Root: root, DBPath: filepath.Join(t.TempDir(), "index.db"), Counter: testCountWorker(t, time.Hour),
		ReadAhead: Ahead{Count: 3 * size}})
	<-ix.AheadDone()
	snap := ix.Snapshot()
	ruleOf := func(name string) *rules.Rule {
		r := snap.RuleAt(filepath.Join(root, ".ai-rules", name))
		if r == nil {
			t.Fatalf("%s missing", name)
		}
		return r
	}
	for i := range 6 {
		r := ruleOf(fmt.Sprintf("r%d.md", i))
		n, counted := r.CountedTokens()
		if want := i < 3; counted != want {
			t.Errorf("rule %d (priority %d): counted %v, want %v", i, 90-i, counted, want)
		}
		if counted && n != rules.CountTokens(r.SectionText()) {
			t.Errorf("rule %d: count %d, the tokenizer says %d", i, n, rules.CountTokens(r.SectionText()))
		}
	}
	if _, counted := ruleOf("agent.md").CountedTokens(); counted {
		t.Error("the agent-requested rule was counted ahead")
	}
}

// On a first index, a read-ahead counts the prompt headers of the workspace's files in
// the count worker (rule files aside): each equals the tokenizer's count.
func TestReadAheadCountsTheHeaders(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/r.md", "---\ndescription: rule\nglobs: [\"*.go\"]\n---\nbody\n")
	sources := []string{"main.go", "lib/naïve café.go", "apps/app0/lib/mod1/file.ts"}
	for _, rel := range sources {
		write(t, root, rel, "package x\n")
	}
	counter := testCountWorker(t, time.Hour)
	plain := reopenWith(t, Options{Root: root, DBPath: filepath.Join(t.TempDir(), "index.db"), Counter: counter})
	<-plain.AheadDone()
	for _, rel := range sources {
		if _, ok := plain.headers.known(rel); ok {
			t.Fatalf("%s: a header counted without a read-ahead", rel)
		}
	}
	ix := reopenWith(t, Options{Root: root, DBPath: filepath.Join(t.TempDir(), "index.db"), Counter: counter, ReadAhead: Ahead{Count: 1}})
	<-ix.AheadDone()
	for _, rel := range sources {
		n, ok := ix.headers.known(rel)
		if want := rules.HeaderTokens(rel); !ok || n != want {
			t.Errorf("%s: header count %d (known %v), the tokenizer says %d", rel, n, ok, want)
		}
	}
	if _, ok := ix.headers.known(".ai-rules/r.md"); ok {
		t.Error("a rule file's header was counted ahead")
	}
	if got, want := ix.SourceFiles(10, nil), slices.Sorted(slices.Values(sources)); !slices.Equal(got, want) {
		t.Errorf("SourceFiles = %q, want %q", got, want)
	}
	if got := ix.SourceFiles(1, func(rel string) bool { return rel == "main.go" }); !slices.Equal(got, []string{"main.go"}) {
		t.Errorf("SourceFiles(1, main.go only) = %q", got)
	}
}

// Without a count worker, a server's index is done reading ahead before its warmer
// counts anything in this process: a server that waits for AheadDone does not wait
// for the workspace's count.
func TestWithoutAWorkerTheReadAheadComesFirst(t *testing.T) {
	root := t.TempDir()
	const n = 2*tokenBatch + 3
	for i := range n {
		write(t, root, fmt.Sprintf(".ai-rules/r%03d.md", i), ruleText(fmt.Sprintf("rule %d", i), "*.go"))
	}
	opened := make(chan *Index, 1)
	var seen *Index // the warmer's own
	counted := -1   // rules counted when the warmer first reports with AheadDone closed
	ix := reopenWith(t, Options{Root: root, DBPath: filepath.Join(t.TempDir(), "index.db"), Watch: true,
		ReadAhead: Ahead{Read: 1 << 20, Count: 1 << 20},
		OnCounting: func(done, total int) {
			if seen == nil {
				seen = <-opened // the warmer may report before Open returns
			}
			select {
			case <-seen.AheadDone():
			default:
				return
			}
			if counted < 0 {
				counted = 0
				for _, r := range seen.Snapshot().Rules.Rules() {
					if _, ok := r.CountedTokens(); ok {
						counted++
					}
				}
			}
		}})
	opened <- ix
	<-ix.AheadDone()
	ix.Close() // waits for the warmer
	if counted != 0 {
		t.Errorf("%d of %d rules counted in this process before the read-ahead was done", counted, n)
	}
}
