package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
)

func TestClassify(t *testing.T) {
	lay := newLayout("/ws", "", "/home/u/rules", parseGitignore([]byte("ignored/\n")))
	lay.deps.Store(&depState{policy: rules.NewDependencyPolicy(rules.MixProject{Deps: []string{"jason"}}, []string{"@acme/ui"}, nil)})
	cases := []struct {
		path   string
		id     string
		layer  rules.Layer
		format rules.Format
		dir    string
	}{
		{"/ws/.ai-rules/10-languages/elixir/otp-patterns.md", "10-languages/elixir/otp-patterns", rules.LayerProject, rules.FormatAirules, ""},
		{"/ws/.ai-rules/build/ci.md", "build/ci", rules.LayerProject, rules.FormatAirules, ""},
		{"/ws/.cursor/rules/ui/react.mdc", "cursor/ui/react", rules.LayerProject, rules.FormatCursor, ""},
		{"/ws/.github/instructions/go.instructions.md", "copilot/go", rules.LayerProject, rules.FormatCopilot, ""},
		{"/ws/.github/copilot-instructions.md", "copilot/copilot-instructions", rules.LayerProject, rules.FormatCopilotRepo, ""},
		{"/ws/pkg/a/.cursor/rules/x.mdc", "cursor/pkg/a/x", rules.LayerProject, rules.FormatCursor, "pkg/a"},
		{"/ws/ignored/.cursor/rules/x.mdc", "", 0, "", ""},
		{"/ws/pkg/AGENTS.override.md", "agents/pkg", rules.LayerProject, rules.FormatAgents, "pkg"},
		{"/ws/.claude/rules/api.md", "claude-rules/api", rules.LayerProject, rules.FormatClaudeRules, ""},
		{"/ws/.clinerules/workflows/ship.md", "", 0, "", ""},
		{"/ws/.clinerules/style.md", "cline/style", rules.LayerProject, rules.FormatCline, ""},
		{"/ws/deps/jason/usage-rules/json.md", "deps/jason/json", rules.LayerDependency, rules.FormatDependency, ""},
		{"/ws/deps/other/usage-rules.md", "", 0, "", ""},
		{"/ws/node_modules/@acme/ui/usage-rules.md", "deps/@acme/ui", rules.LayerDependency, rules.FormatDependency, ""},
		{"/ws/AGENTS.md", "agents", rules.LayerProject, rules.FormatAgents, ""},
		{"/ws/lib/web/AGENTS.md", "agents/lib/web", rules.LayerProject, rules.FormatAgents, "lib/web"},
		{"/ws/CLAUDE.md", "claude", rules.LayerProject, rules.FormatClaude, ""},
		{"/ws/deps/jason/usage-rules.md", "deps/jason", rules.LayerDependency, rules.FormatDependency, ""},
		{"/home/u/rules/me/style.md", "me/style", rules.LayerUser, rules.FormatUser, ""},
		{"/ws/.ai-rules/x.txt", "", 0, "", ""},
		{"/ws/.ai-rules/.x.md.swp", "", 0, "", ""},
		{"/ws/.ai-rules/.hidden/x.md", "", 0, "", ""},
		{"/ws/.cursor/rules/a.md", "", 0, "", ""},
		{"/ws/.github/instructions/.instructions.md", "", 0, "", ""},
		{"/ws/node_modules/p/AGENTS.md", "", 0, "", ""},
		{"/ws/ignored/AGENTS.md", "", 0, "", ""},
		{"/ws/deps/jason/lib/usage-rules.md", "", 0, "", ""},
		{"/ws/README.md", "", 0, "", ""},
		{"/elsewhere/AGENTS.md", "", 0, "", ""},
	}
	for _, c := range cases {
		src, ok := lay.classify(c.path)
		if ok != (c.id != "") {
			t.Errorf("%s: rule file = %v", c.path, ok)
			continue
		}
		if ok && (src.ID != c.id || src.Layer != c.layer || src.Format != c.format || src.Dir != c.dir || src.Path != c.path) {
			t.Errorf("%s: %+v", c.path, src)
		}
	}
}

func TestGitignore(t *testing.T) {
	g := parseGitignore([]byte("# comment\n\n*.log\n!keep.log\n/build-out/\ndocs/**/*.tmp\ntmp/\n\\#literal\n"))
	cases := []struct {
		rel  string
		dir  bool
		want bool
	}{
		{"a.log", false, true},
		{"sub/b.log", false, true},
		{"keep.log", false, false},
		{"build-out", true, true},
		{"sub/build-out", true, false},
		{"build-out", false, false},
		{"docs/a/b/c.tmp", false, true},
		{"docs/c.tmp", false, true},
		{"x/tmp", true, true},
		{"x/tmp", false, false},
		{"#literal", false, true},
		{"main.go", false, false},
	}
	for _, c := range cases {
		if got := g.ignored(c.rel, c.dir); got != c.want {
			t.Errorf("ignored(%q, dir=%v) = %v", c.rel, c.dir, got)
		}
	}
}

func TestTooLargeAndBinaryFiles(t *testing.T) {
	root := t.TempDir()
	big := write(t, root, ".ai-rules/big.md", "---\ndescription: big\n---\n"+strings.Repeat("x", rules.MaxFileSize))
	bin := write(t, root, ".ai-rules/bin.md", "\x00\x01binary")
	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	if ps := s.Problems[big]; len(ps) != 1 || ps[0].Code != rules.CodeTooLarge {
		t.Fatalf("big: %+v", ps)
	}
	if ps := s.Problems[bin]; len(ps) != 1 || ps[0].Code != rules.CodeNotText {
		t.Fatalf("bin: %+v", ps)
	}
	want := rules.Parse(rules.Source{Path: big}, make([]byte, rules.MaxFileSize+30)).Problems[0]
	if got := s.Problems[big][0]; got.Severity != want.Severity || !strings.HasPrefix(got.Message, "file is ") || !strings.HasSuffix(got.Message, want.Message[strings.Index(want.Message, ";"):]) {
		t.Fatalf("AIR017 %+v, rules says %+v", got, want)
	}
	evs, _ := ix.History("big", 0)
	if len(evs) != 2 || evs[0].Type != "invalid" {
		t.Fatalf("events %+v", evs)
	}
	// Shrinking it makes it a rule again.
	write(t, root, ".ai-rules/big.md", ruleText("small now"))
	if ch, _ := ix.Reindex(context.Background(), "cli", big); len(ch.Updated) != 1 || len(ch.Problems[big]) != 0 {
		t.Fatalf("change %+v", ch)
	}
}

func TestUnreadableFolderIsSkipped(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", ruleText("a"))
	write(t, root, ".ai-rules/locked/b.md", ruleText("b"))
	os.Chmod(filepath.Join(root, ".ai-rules/locked"), 0)
	defer os.Chmod(filepath.Join(root, ".ai-rules/locked"), 0o755)
	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	// The folder's rules are left out, and the folder says so (AIR019).
	if got := ids(s); len(got) != 2 || s.RuleAt(filepath.Join(root, ".ai-rules/locked/b.md")) != nil {
		t.Fatalf("ids %v", got)
	}
	if ps := s.Problems[filepath.Join(root, ".ai-rules/locked")]; len(ps) != 1 || ps[0].Code != rules.CodeUnreadable {
		t.Fatalf("problems %+v", s.Problems)
	}
}

// A pending body comes back as it was put, once, whether taken (to keep) or passed (to
// use and drop); a rule with none has none.
func TestPendingBodies(t *testing.T) {
	bodies := []string{"", "a", "- Prefer small functions.\n", strings.Repeat("naïve café — 東京 🚀\n", 300), strings.Repeat("x", 70_000)}
	var p pendingBodies
	rs := make([]*rules.Rule, len(bodies))
	for i, b := range bodies {
		rs[i] = &rules.Rule{}
		p.put(rs[i], b)
	}
	for i, b := range bodies {
		if i%2 == 0 {
			got, ok := p.take(rs[i])
			if !ok || got != b {
				t.Errorf("take %d: %q, %v", i, trim(got), ok)
			}
		} else {
			var got string
			ok := p.pass(rs[i], func(body string) { got = strings.Clone(body) })
			if !ok || got != b {
				t.Errorf("pass %d: %q, %v", i, trim(got), ok)
			}
		}
		if _, ok := p.take(rs[i]); ok {
			t.Errorf("body %d given twice", i)
		}
		if p.pass(rs[i], func(string) { t.Errorf("body %d passed after it was given", i) }) {
			t.Errorf("body %d passed twice", i)
		}
	}
}

func trim(s string) string { return s[:min(len(s), 40)] }
