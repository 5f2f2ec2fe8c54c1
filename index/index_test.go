package index

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/airules/airules/rules"
)

func TestOpenDiscoversSources(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/10-languages/elixir/otp-patterns.md", ruleText("OTP", "lib/**/*.ex"))
	write(t, root, ".ai-rules/00-global/style.md", "---\ndescription: style\nalwaysApply: true\n---\nBe nice.\n")
	write(t, root, ".cursor/rules/react.mdc", ruleText("react", "**/*.tsx"))
	write(t, root, ".github/instructions/go.instructions.md", "---\napplyTo: \"**/*.go\"\ndescription: go\n---\nGo.\n")
	write(t, root, ".github/copilot-instructions.md", "Always be concise.\n")
	write(t, root, "AGENTS.md", "Root agents.\n")
	write(t, root, "lib/web/AGENTS.md", "Web agents.\n")
	write(t, root, "lib/CLAUDE.md", "Claude here.\n")
	write(t, root, "node_modules/x/AGENTS.md", "not ours\n")
	write(t, root, "deps/jason/usage-rules.md", ruleText("jason"))
	write(t, root, "deps/jason/README.md", "not a rule")
	write(t, root, "deps/undeclared/usage-rules.md", "a folder mix.exs does not declare\n")
	write(t, root, "mix.exs", "defmodule App.MixProject do\n  defp deps do\n    [{:jason, \"~> 1.4\"}]\n  end\nend\n")
	write(t, root, "lib/app.ex", "defmodule App do end")
	write(t, root, "ignored/AGENTS.md", "ignored\n")
	write(t, root, ".gitignore", "ignored/\n*.log\n")
	write(t, root, "debug.log", "x")
	user := t.TempDir()
	write(t, user, "mine.md", ruleText("mine"))

	ix := open(t, Options{Root: root, UserRulesDir: user})
	s := ix.Snapshot()
	want := []string{"00-global/style", "10-languages/elixir/otp-patterns", "agents", "agents/lib/web", "claude/lib",
		"copilot/copilot-instructions", "copilot/go", "cursor/react", "deps/jason", "mine"}
	got := ids(s)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v\nwant %v", got, want)
	}
	if s.Generation != 1 {
		t.Errorf("generation = %d", s.Generation)
	}
	for _, f := range []string{"lib/app.ex", ".ai-rules/00-global/style.md", ".gitignore"} {
		if _, n := s.Files.Match(f, 1); n != 1 {
			t.Errorf("file list lacks %s", f)
		}
	}
	for _, f := range []string{"debug.log", "node_modules/x/AGENTS.md", "deps/jason/README.md", "ignored/AGENTS.md"} {
		if _, n := s.Files.Match(f, 1); n != 0 {
			t.Errorf("file list has skipped %s", f)
		}
	}
	r := s.RuleAt(filepath.Join(root, ".cursor/rules/react.mdc"))
	if r == nil || r.Format != rules.FormatCursor {
		t.Fatalf("RuleAt cursor = %+v", r)
	}
	if u := s.RuleAt(filepath.Join(user, "mine.md")); u == nil || u.Layer != rules.LayerUser {
		t.Fatalf("user rule = %+v", u)
	}
	if d := s.RuleAt(filepath.Join(root, "deps/jason/usage-rules.md")); d == nil || d.Layer != rules.LayerDependency {
		t.Fatalf("dep rule = %+v", d)
	}
	sel := s.Rules.Select("lib/web/page.ex", "")
	var applied []string
	for _, m := range sel.Applied {
		applied = append(applied, m.Rule.ID)
	}
	slices.Sort(applied)
	wantApplied := []string{"00-global/style", "10-languages/elixir/otp-patterns", "agents", "agents/lib/web", "claude/lib", "copilot/copilot-instructions", "deps/jason"}
	if !slices.Equal(applied, wantApplied) {
		t.Errorf("applied = %v, want %v", applied, wantApplied)
	}
	// AIR007: react's glob matches no file.
	var codes []rules.Code
	for _, p := range s.Problems[filepath.Join(root, ".cursor/rules/react.mdc")] {
		codes = append(codes, p.Code)
	}
	if !slices.Contains(codes, rules.CodeGlobNoMatch) {
		t.Errorf("react problems = %v, want AIR007", codes)
	}
	if !ix.IsRuleFile(filepath.Join(root, ".ai-rules/new/one.md")) || ix.IsRuleFile(filepath.Join(root, "lib/app.ex")) {
		t.Error("IsRuleFile")
	}
	_ = context.Background()
}
