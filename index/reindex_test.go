package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/airules/airules/rules"
)

func TestReindexTable(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name  string
		do    func(root string) []string // returns paths to reindex (nil = full)
		check func(t *testing.T, ch Change, s *Snapshot)
	}
	has := func(s *Snapshot, id string) bool { return slices.Contains(ids(s), id) }
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", ruleText("a", "*.go"))
	write(t, root, "main.go", "package main")
	ix := open(t, Options{Root: root})
	steps := []step{
		{"edit", func(root string) []string {
			return []string{write(t, root, ".ai-rules/a.md", ruleText("a2", "*.go"))}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Updated, []string{"a"}) || s.Rules.Rule(filepath.Join(root, ".ai-rules/a.md")).Description != "a2" {
				t.Fatalf("change %+v", ch)
			}
		}},
		{"touch without change", func(root string) []string {
			return []string{write(t, root, ".ai-rules/a.md", ruleText("a2", "*.go"))}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !ch.Empty() {
				t.Fatalf("change %+v", ch)
			}
		}},
		{"create in new dir", func(root string) []string {
			write(t, root, ".ai-rules/sub/deeper/b.md", ruleText("b", "*.rs"))
			return []string{filepath.Join(root, ".ai-rules/sub")}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Added, []string{"sub/deeper/b"}) || !has(s, "sub/deeper/b") {
				t.Fatalf("change %+v", ch)
			}
			ps := ch.Problems[filepath.Join(root, ".ai-rules/sub/deeper/b.md")]
			if len(ps) != 1 || ps[0].Code != rules.CodeGlobNoMatch {
				t.Fatalf("problems %+v", ps)
			}
		}},
		{"a matching file clears AIR007", func(root string) []string {
			return []string{write(t, root, "src/lib.rs", "fn main(){}")}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			ps, ok := ch.Problems[filepath.Join(root, ".ai-rules/sub/deeper/b.md")]
			if !ok || len(ps) != 0 {
				t.Fatalf("change %+v", ch)
			}
		}},
		{"removing it brings AIR007 back", func(root string) []string {
			os.RemoveAll(filepath.Join(root, "src"))
			return []string{filepath.Join(root, "src")}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if ps := ch.Problems[filepath.Join(root, ".ai-rules/sub/deeper/b.md")]; len(ps) != 1 {
				t.Fatalf("change %+v", ch)
			}
		}},
		{"rename", func(root string) []string {
			from, to := filepath.Join(root, ".ai-rules/a.md"), filepath.Join(root, ".ai-rules/c.md")
			if err := os.Rename(from, to); err != nil {
				t.Fatal(err)
			}
			return []string{from, to}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Added, []string{"c"}) || !slices.Equal(ch.Removed, []string{"a"}) {
				t.Fatalf("change %+v", ch)
			}
			if ps, ok := ch.Problems[filepath.Join(root, ".ai-rules/a.md")]; !ok || len(ps) != 0 {
				t.Fatalf("removed file's problems not cleared: %+v", ch.Problems)
			}
		}},
		{"delete dir", func(root string) []string {
			os.RemoveAll(filepath.Join(root, ".ai-rules/sub"))
			return []string{filepath.Join(root, ".ai-rules/sub")}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Removed, []string{"sub/deeper/b"}) || has(s, "sub/deeper/b") {
				t.Fatalf("change %+v", ch)
			}
		}},
		{"invalid file", func(root string) []string {
			return []string{write(t, root, ".ai-rules/bad.md", "---\ndescription: [unclosed\n---\nbody\n")}
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Added, []string{"bad"}) {
				t.Fatalf("change %+v", ch)
			}
			if r := s.Rules.Rule(filepath.Join(root, ".ai-rules/bad.md")); r == nil || !r.HasErrors() {
				t.Fatal("bad rule has no errors")
			}
		}},
		{"full rescan sees a change made behind its back", func(root string) []string {
			write(t, root, ".ai-rules/d.md", ruleText("d"))
			return nil
		}, func(t *testing.T, ch Change, s *Snapshot) {
			if !slices.Equal(ch.Added, []string{"d"}) {
				t.Fatalf("change %+v", ch)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			gen := ix.Snapshot().Generation
			paths := st.do(root)
			ch, err := ix.Reindex(ctx, "cli", paths...)
			if err != nil {
				t.Fatal(err)
			}
			s := ix.Snapshot()
			if ch.Empty() != (s.Generation == gen) {
				t.Fatalf("generation %d → %d with change %+v", gen, s.Generation, ch)
			}
			if !ch.Empty() && ch.Generation != s.Generation {
				t.Fatalf("change generation %d, snapshot %d", ch.Generation, s.Generation)
			}
			st.check(t, ch, s)
		})
	}
	evs, err := ix.History("", 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type+" "+e.RuleID)
	}
	want := []string{"created d", "invalid bad", "created bad", "deleted sub/deeper/b", "deleted a", "created c",
		"created sub/deeper/b", "updated a", "created a"}
	slices.Sort(types)
	slices.Sort(want)
	if !slices.Equal(types, want) {
		t.Errorf("events %v\nwant %v", types, want)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq >= evs[i-1].Seq {
			t.Fatalf("history not newest first: %v", evs)
		}
	}
	if a, _ := ix.History("a", 1); len(a) != 1 || a[0].Type != "deleted" {
		t.Errorf("History(a,1) = %+v", a)
	}
}

func TestOverlay(t *testing.T) {
	root := t.TempDir()
	p := write(t, root, ".ai-rules/a.md", ruleText("disk"))
	var got []Change
	ix := open(t, Options{Root: root, OnChange: func(c Change) { got = append(got, c) }})
	gen := ix.Snapshot().Generation

	ch := ix.SetOverlay(p, []byte(ruleText("buffer")))
	if !slices.Equal(ch.Updated, []string{"a"}) || ix.Snapshot().RuleAt(p).Description != "buffer" || ix.Snapshot().Generation != gen+1 {
		t.Fatalf("overlay: %+v", ch)
	}
	if ch := ix.SetOverlay(p, []byte(ruleText("buffer"))); !ch.Empty() || ix.Snapshot().Generation != gen+1 {
		t.Fatalf("same overlay again changed: %+v", ch)
	}
	// A disk change under an overlay is stored but does not show.
	write(t, root, ".ai-rules/a.md", ruleText("disk2"))
	if ch, _ := ix.Reindex(context.Background(), "didSave", p); !ch.Empty() {
		t.Fatalf("disk change under overlay: %+v", ch)
	}
	if ix.Snapshot().RuleAt(p).Description != "buffer" {
		t.Fatal("overlay lost")
	}
	ch = ix.ClearOverlay(p)
	if !slices.Equal(ch.Updated, []string{"a"}) || ix.Snapshot().RuleAt(p).Description != "disk2" {
		t.Fatalf("clear: %+v", ch)
	}
	// A buffer for a file not on disk yet.
	np := filepath.Join(root, ".ai-rules/new.md")
	ch = ix.SetOverlay(np, []byte("---\ndescription: new\nglobs: 3\n---\nbody\n"))
	if !slices.Equal(ch.Added, []string{"new"}) || len(ch.Problems[np]) == 0 {
		t.Fatalf("new overlay: %+v", ch)
	}
	ch = ix.ClearOverlay(np)
	if !slices.Equal(ch.Removed, []string{"new"}) || ix.Snapshot().RuleAt(np) != nil {
		t.Fatalf("clear new: %+v", ch)
	}
	if ch := ix.SetOverlay(filepath.Join(root, "main.go"), []byte("x")); !ch.Empty() {
		t.Fatal("overlay of a non-rule file")
	}
	// Each change above was its method's result; OnChange is the watcher's channel
	// alone, so nothing arrives twice.
	if len(got) != 0 {
		t.Errorf("OnChange called %d times, want 0", len(got))
	}
	evs, _ := ix.History("", 0)
	for _, e := range evs {
		if e.Causation == "overlay" || e.RuleID == "new" {
			t.Errorf("overlay logged: %+v", e)
		}
	}
}

func TestSetDisabled(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", "---\ndescription: a\nalwaysApply: true\n---\nA\n")
	ix := open(t, Options{Root: root, Disabled: []string{"a"}})
	if sel := ix.Snapshot().Rules.Select("x.go", ""); len(sel.Applied) != 0 || len(sel.Omitted) != 1 {
		t.Fatalf("disabled at open: %+v", sel)
	}
	ch := ix.SetDisabled(nil)
	if !slices.Equal(ch.Reconfigured, []string{"a"}) || ch.Empty() {
		t.Fatalf("change %+v", ch)
	}
	if sel := ix.Snapshot().Rules.Select("x.go", ""); len(sel.Applied) != 1 {
		t.Fatalf("enabled: %+v", sel)
	}
	if ch := ix.SetDisabled(nil); !ch.Empty() {
		t.Fatal("no-op reconfiguration changed")
	}
}
