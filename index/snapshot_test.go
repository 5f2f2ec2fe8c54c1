package index

import (
	"reflect"

	"context"
	"fmt"
	"github.com/airules/airules/rules"
	"sync"
	"sync/atomic"
	"testing"
)

// Readers during a burst of reindexes always see one consistent generation: a
// snapshot's rules, problems and generation agree with each other.
func TestConcurrentSelectDuringReindex(t *testing.T) {
	root := t.TempDir()
	write(t, root, "lib/a.go", "package a")
	ix := open(t, Options{Root: root})
	const writes = 60
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := uint64(0)
			for !stop.Load() {
				s := ix.Snapshot()
				if s.Generation < last {
					errs <- fmt.Errorf("generation went back %d → %d", last, s.Generation)
					return
				}
				last = s.Generation
				// Every rule file written so far is one rule; generation g (>1) has g-1 rules.
				if n := s.Rules.Len(); uint64(n) != s.Generation-1 || len(s.Problems) != n {
					errs <- fmt.Errorf("generation %d has %d rules and %d problem entries", s.Generation, n, len(s.Problems))
					return
				}
				c := s.Context("lib/a.go", "go", nil, 1<<30)
				if uint64(len(c.Rules)) != s.Generation-1 {
					errs <- fmt.Errorf("generation %d applies %d rules", s.Generation, len(c.Rules))
					return
				}
				if !ix.IsRuleFile(root + "/.ai-rules/x.md") {
					errs <- fmt.Errorf("IsRuleFile")
					return
				}
				if again := s.Context("lib/a.go", "go", nil, 1<<30); len(again.Rules) != len(c.Rules) {
					errs <- fmt.Errorf("cache disagrees")
					return
				}
			}
		}()
	}
	for i := range writes {
		p := write(t, root, fmt.Sprintf(".ai-rules/r%02d.md", i), ruleText(fmt.Sprint("r", i), "**/*.go"))
		paths := []string{p}
		if i%10 == 9 {
			paths = nil // a full rescan now and then
		}
		if _, err := ix.Reindex(context.Background(), "cli", paths...); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if g := ix.Snapshot().Generation; g != writes+1 {
		t.Fatalf("generation %d", g)
	}
	m := ix.Metrics()
	if m.CacheHits == 0 || m.CacheMisses == 0 {
		t.Fatalf("cache metrics %+v", m)
	}
}

// The index writes AIR007 itself (see problemsOf); it must say what rules says.
func TestAIR007MatchesRules(t *testing.T) {
	root := t.TempDir()
	p := write(t, root, ".ai-rules/a.md", "---\ndescription: a\nglobs:\n  - \"*.go\"\n  - \"!x.go\"\n  - 'nope/**/*.rs'\n---\nbody\n")
	write(t, root, "main.go", "package main")
	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	var want, got []rules.Problem
	for _, pb := range rules.WithUnmatchedGlobs(s.RuleAt(p), func(g string) bool { return !s.Files.Any(g) }) {
		if pb.Code == rules.CodeGlobNoMatch {
			want = append(want, pb)
		}
	}
	for _, pb := range s.Problems[p] {
		if pb.Code == rules.CodeGlobNoMatch {
			got = append(got, pb)
		}
	}
	if len(want) != 1 || !reflect.DeepEqual(got, want) {
		t.Fatalf("index AIR007 %+v\nrules AIR007 %+v", got, want)
	}
}
