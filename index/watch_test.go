package index

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

func TestWatcherFollowsTheDisk(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", ruleText("a"))
	var mu sync.Mutex
	var changes []Change
	ix := open(t, Options{Root: root, Watch: true, Debounce: 20 * 1e6, OnChange: func(c Change) {
		mu.Lock()
		changes = append(changes, c)
		mu.Unlock()
	}})
	rule := func(rel string) func() bool {
		return func() bool { return ix.Snapshot().RuleAt(filepath.Join(root, rel)) != nil }
	}
	desc := func(rel, want string) func() bool {
		return func() bool {
			r := ix.Snapshot().RuleAt(filepath.Join(root, rel))
			return r != nil && r.Description == want
		}
	}
	not := func(f func() bool) func() bool { return func() bool { return !f() } }

	steps := []struct {
		name string
		do   func()
		want func() bool
	}{
		{"edit in place", func() { write(t, root, ".ai-rules/a.md", ruleText("a2")) }, desc(".ai-rules/a.md", "a2")},
		{"create", func() { write(t, root, ".ai-rules/b.md", ruleText("b")) }, rule(".ai-rules/b.md")},
		{"atomic replace", func() {
			tmp := write(t, root, ".ai-rules/.b.md.tmp123", ruleText("b2"))
			if err := os.Rename(tmp, filepath.Join(root, ".ai-rules/b.md")); err != nil {
				t.Fatal(err)
			}
		}, desc(".ai-rules/b.md", "b2")},
		{"rename", func() {
			os.Rename(filepath.Join(root, ".ai-rules/b.md"), filepath.Join(root, ".ai-rules/c.md"))
		}, func() bool { return rule(".ai-rules/c.md")() && !rule(".ai-rules/b.md")() }},
		{"delete", func() { os.Remove(filepath.Join(root, ".ai-rules/c.md")) }, not(rule(".ai-rules/c.md"))},
		{"new nested dir", func() {
			write(t, root, ".ai-rules/x/y/z.md", ruleText("z"))
		}, rule(".ai-rules/x/y/z.md")},
		{"file in the new dir after its watch", func() { write(t, root, ".ai-rules/x/y/w.md", ruleText("w")) }, rule(".ai-rules/x/y/w.md")},
		{"rename dir", func() {
			os.Rename(filepath.Join(root, ".ai-rules/x"), filepath.Join(root, ".ai-rules/moved"))
		}, func() bool { return rule(".ai-rules/moved/y/w.md")() && !rule(".ai-rules/x/y/w.md")() }},
		{"edit in the renamed dir", func() { write(t, root, ".ai-rules/moved/y/w.md", ruleText("w2")) }, desc(".ai-rules/moved/y/w.md", "w2")},
		{"delete dir", func() { os.RemoveAll(filepath.Join(root, ".ai-rules/moved")) }, not(rule(".ai-rules/moved/y/z.md"))},
		{"root AGENTS.md", func() { write(t, root, "AGENTS.md", "hello\n") }, rule("AGENTS.md")},
		{"cursor rules appear", func() { write(t, root, ".cursor/rules/r.mdc", ruleText("r")) }, rule(".cursor/rules/r.mdc")},
		{"chmod only", func() { os.Chmod(filepath.Join(root, ".ai-rules/a.md"), 0o600) }, desc(".ai-rules/a.md", "a2")},
	}
	for _, st := range steps {
		st.do()
		eventually(t, st.name, st.want)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(changes); i++ {
		if changes[i].Generation <= changes[i-1].Generation {
			t.Fatalf("generations not increasing: %d then %d", changes[i-1].Generation, changes[i].Generation)
		}
	}
	evs, _ := ix.History("", 0)
	if len(evs) == 0 || evs[0].Causation != "watch" {
		t.Fatalf("events %+v", evs)
	}
}

func TestWatcherCoalescesBursts(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/keep.md", ruleText("keep"))
	ix := open(t, Options{Root: root, Watch: true, Debounce: 50 * 1e6})
	base := ix.Metrics().Reindexes
	for i := range 500 {
		write(t, root, fmt.Sprintf(".ai-rules/burst/r%03d.md", i), ruleText(fmt.Sprint("r", i)))
	}
	eventually(t, "500 rules", func() bool { return ix.Snapshot().Rules.Len() == 501 })
	if n := ix.Metrics().Reindexes - base; n > 5 {
		t.Errorf("%d reindexes for one burst", n)
	} else {
		t.Logf("%d reindexes for a burst of 500 files", n)
	}
}

func TestSymlinks(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write(t, outside, "secret.md", ruleText("secret"))
	write(t, outside, "dir/x.md", ruleText("x"))
	write(t, root, ".ai-rules/a.md", ruleText("a"))
	write(t, root, "shared/rules/s.md", ruleText("s"))
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink("..", filepath.Join(root, ".ai-rules/loop")))                       // loop
	must(os.Symlink(filepath.Join(root, ".ai-rules"), filepath.Join(root, "lib-loop"))) // another loop
	must(os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(root, ".ai-rules/secret.md")))
	must(os.Symlink(filepath.Join(outside, "dir"), filepath.Join(root, ".ai-rules/outdir")))
	must(os.Symlink(filepath.Join(root, "shared/rules/s.md"), filepath.Join(root, ".ai-rules/linked.md")))
	must(os.Symlink("nowhere", filepath.Join(root, ".ai-rules/dangling.md")))
	must(os.Mkdir(filepath.Join(root, ".ai-rules/locked"), 0o000))
	t.Cleanup(func() { os.Chmod(filepath.Join(root, ".ai-rules/locked"), 0o755) })

	ix := open(t, Options{Root: root, Watch: true})
	got := ids(ix.Snapshot())
	if !slices.Equal(got, []string{"a", "linked"}) {
		t.Fatalf("ids %v", got)
	}
	if _, err := ix.Reindex(t.Context(), "cli", filepath.Join(root, ".ai-rules/secret.md"), filepath.Join(root, ".ai-rules/loop")); err != nil {
		t.Fatal(err)
	}
	if got := ids(ix.Snapshot()); !slices.Equal(got, []string{"a", "linked"}) {
		t.Fatalf("after reindex ids %v", got)
	}
}

func TestRulesDirIsALink(t *testing.T) {
	root := t.TempDir()
	write(t, root, "shared/rules/s.md", ruleText("s"))
	if err := os.Symlink("shared/rules", filepath.Join(root, ".ai-rules")); err != nil {
		t.Fatal(err)
	}
	ix := open(t, Options{Root: root, Watch: true})
	if got := ids(ix.Snapshot()); !slices.Equal(got, []string{"s"}) {
		t.Fatalf("ids %v", got)
	}
	write(t, root, "shared/rules/t.md", ruleText("t"))
	eventually(t, "rule through the link", func() bool { return ix.Snapshot().Rules.Len() == 2 })
}

// Folder files and dependency rules appearing anywhere take effect without a restart:
// a nested AGENTS.md, a .cursor/rules in a subfolder, usage-rules.md after `mix
// deps.get`, and a manifest that starts declaring a package.
func TestWatcherSeesEveryLocation(t *testing.T) {
	root := t.TempDir()
	write(t, root, "packages/llms/src/a.ts", "export {}\n")
	write(t, root, "mix.exs", "defmodule X.MixProject do\n  defp deps do\n    [{:ash, \"~> 3.0\"}]\n  end\nend\n")
	write(t, root, "package.json", `{"dependencies": {}}`)
	ix := open(t, Options{Root: root, Watch: true, Debounce: 20 * 1e6})
	applies := func(rel, id string) func() bool {
		return func() bool { return slices.Contains(appliedIDs(ix.Snapshot().Rules.Select(rel, "")), id) }
	}
	steps := []struct {
		name string
		do   func()
		want func() bool
	}{
		{"nested AGENTS.md", func() { write(t, root, "packages/llms/AGENTS.md", "LLM guide.\n") }, applies("packages/llms/src/a.ts", "agents/packages/llms")},
		{"AGENTS.md in a new folder", func() { write(t, root, "apps/web/AGENTS.md", "Web guide.\n") }, applies("apps/web/x.ts", "agents/apps/web")},
		{"nested .cursor/rules", func() {
			write(t, root, "packages/llms/.cursor/rules/x.mdc", "---\nalwaysApply: true\n---\nX.\n")
		}, applies("packages/llms/src/a.ts", "cursor/packages/llms/x")},
		{"mix deps.get", func() { write(t, root, "deps/ash/usage-rules.md", "Ash rules.\n") }, applies("lib/a.ex", "deps/ash")},
		{"a sub-rule after the install", func() { write(t, root, "deps/ash/usage-rules/testing.md", "Testing.\n") },
			func() bool {
				return ix.Snapshot().RuleAt(filepath.Join(root, "deps/ash/usage-rules/testing.md")) != nil
			}},
		{"package.json declares zod", func() {
			write(t, root, "node_modules/zod/usage-rules.md", "Zod rules.\n")
			write(t, root, "package.json", `{"dependencies": {"zod": "^3"}}`)
		}, applies("web/a.ts", "deps/zod")},
		{"zod is updated in place", func() { write(t, root, "node_modules/zod/usage-rules.md", "Zod rules, v4.\n") }, func() bool {
			r := ix.Snapshot().RuleAt(filepath.Join(root, "node_modules/zod/usage-rules.md"))
			return r != nil && r.Body == "Zod rules, v4.\n"
		}},
	}
	for _, st := range steps {
		st.do()
		eventually(t, st.name, st.want)
	}
}
