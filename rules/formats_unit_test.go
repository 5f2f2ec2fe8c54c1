package rules

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bmatcuk/doublestar/v4"
	"pgregory.net/rapid"
)

func TestInlineImports(t *testing.T) {
	fsys := fstest.MapFS{
		"AGENTS.md":      {Data: []byte("Shared agents text.\n")},
		"docs/style.md":  {Data: []byte("Short sentences.\n@../AGENTS.md\n")},
		"docs/nested.md": {Data: []byte("@style.md\n")},
	}
	body := "# Top\n@AGENTS.md\nSee @docs/style.md please.\n```\n@docs/nested.md\n```\nCode `@AGENTS.md` and ask @alice.\n"
	r := Parse(Source{Path: "/ws/CLAUDE.md", ID: "claude", Format: FormatClaude}, []byte(body))
	InlineImports(r, "CLAUDE.md", fsys, "/ws")
	if len(r.Problems) != 0 {
		t.Fatalf("problems %v", r.Problems)
	}
	want := "# Top\nShared agents text.\nSee @docs/style.md please.\n\nShort sentences.\nShared agents text.\n```\n@docs/nested.md\n```\nCode `@AGENTS.md` and ask @alice.\n"
	if r.Body != want {
		t.Fatalf("body\n%q\nwant\n%q", r.Body, want)
	}
	if !slices.Equal(r.Imports, []string{"AGENTS.md", "docs/style.md"}) {
		t.Errorf("imports %v", r.Imports)
	}
	// An absolute import inside the workspace resolves; one outside is refused.
	r = Parse(Source{Path: "/ws/GEMINI.md", ID: "gemini", Format: FormatGemini}, []byte("@/ws/AGENTS.md\n@/etc/passwd\n"))
	InlineImports(r, "GEMINI.md", fsys, "/ws")
	if !strings.HasPrefix(r.Body, "Shared agents text.") || !slices.Equal(codes(r.Problems), []Code{CodeImportOutside}) {
		t.Fatalf("body %q problems %v", r.Body, r.Problems)
	}
	// Native rules never import.
	r = Parse(Source{Path: "/ws/.ai-rules/x.md", ID: "x", Format: FormatAirules}, []byte("---\ndescription: d\n---\n@AGENTS.md\n"))
	InlineImports(r, ".ai-rules/x.md", fsys, "/ws")
	if r.Body != "@AGENTS.md\n" {
		t.Errorf("native body changed: %q", r.Body)
	}
}

// A CLAUDE.md that is a symlink to AGENTS.md (the same bytes) or that only says
// @AGENTS.md is the same text: it is charged once.
func TestDuplicateBodiesCountedOnce(t *testing.T) {
	agents := Parse(Source{Path: "/ws/AGENTS.md", ID: "agents", Format: FormatAgents, Layer: LayerProject}, []byte("Run the tests.\n"))
	linked := Parse(Source{Path: "/ws/CLAUDE.md", ID: "claude", Format: FormatClaude, Layer: LayerProject}, []byte("Run the tests.\n"))
	imp := Parse(Source{Path: "/ws/sub/CLAUDE.md", ID: "claude/sub", Format: FormatClaude, Layer: LayerProject, Dir: "sub"}, []byte("@../AGENTS.md\n"))
	InlineImports(imp, "sub/CLAUDE.md", fstest.MapFS{"AGENTS.md": {Data: []byte("Run the tests.\n")}}, "/ws")
	set := NewSet([]*Rule{agents, linked, imp}, SetOptions{})
	sel := set.Select("sub/x.go", "")
	if got := ids(sel.Applied); !slices.Equal(got, []string{"claude/sub"}) {
		t.Fatalf("applied %v", got)
	}
	if len(sel.Omitted) != 2 || sel.Omitted[0].Reason != OmitDuplicate || sel.Omitted[0].Of != imp {
		t.Fatalf("omitted %+v", sel.Omitted)
	}
	c := Budget(sel, 0)
	if strings.Count(c.Prompt, "Run the tests.") != 1 {
		t.Errorf("prompt holds the text %d times:\n%s", strings.Count(c.Prompt, "Run the tests."), c.Prompt)
	}
	var why string
	for _, e := range set.Explain("sub/x.go", "") {
		if e.Rule == agents {
			why = e.Why
		}
	}
	if !strings.Contains(why, "duplicate") || !strings.Contains(why, "claude/sub") {
		t.Errorf("explain of agents: %q", why)
	}
}

// The worked example of the README: what the order is for one file and which
// tie-break decided each place.
func TestOrderWorkedExample(t *testing.T) {
	mk := func(src Source, text string) *Rule {
		src.Layer = LayerProject
		return Parse(src, []byte(text))
	}
	rs := []*Rule{
		mk(Source{Path: "/ws/AGENTS.md", ID: "agents", Format: FormatAgents}, "Root guide.\n"),
		mk(Source{Path: "/ws/sdk/llms/AGENTS.md", ID: "agents/sdk/llms", Format: FormatAgents, Dir: "sdk/llms"}, "LLM package guide.\n"),
		mk(Source{Path: "/ws/.github/instructions/ts.instructions.md", ID: "copilot/ts", Format: FormatCopilot}, "---\napplyTo: \"**/*.ts\"\n---\nTS style.\n"),
		mk(Source{Path: "/ws/.github/instructions/all.instructions.md", ID: "copilot/all", Format: FormatCopilot}, "---\napplyTo: \"**\"\n---\nEverything.\n"),
		mk(Source{Path: "/ws/.ai-rules/security.md", ID: "security", Format: FormatAirules}, "---\ndescription: Security\nalwaysApply: true\npriority: 90\n---\nNo secrets.\n"),
		mk(Source{Path: "/ws/.cursor/rules/sdk.mdc", ID: "cursor/sdk", Format: FormatCursor}, "---\ndescription: SDK\nglobs: sdk/**/*.ts\n---\nSDK rule.\n"),
	}
	sel := NewSet(rs, SetOptions{}).Select("sdk/llms/openai.ts", "")
	want := []string{"security", "agents/sdk/llms", "cursor/sdk", "copilot/ts", "copilot/all", "agents"}
	if got := ids(sel.Applied); !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	orders := []string{"", "by priority", "by specificity", "by specificity", "by specificity", "by path"}
	for i, m := range sel.Applied {
		if !strings.Contains(m.Order(), orders[i]) {
			t.Errorf("%s: order %q, want %q", m.Rule.ID, m.Order(), orders[i])
		}
	}
	// Rendered general before specific: the root guide before the package's.
	c := Budget(sel, 0)
	last := -1
	for _, body := range []string{"No secrets.", "Everything.", "Root guide.", "TS style.", "SDK rule.", "LLM package guide."} {
		i := strings.Index(c.Prompt, body)
		if i <= last {
			t.Fatalf("%q out of the general-to-specific order in\n%s", body, c.Prompt)
		}
		last = i
	}
}

func TestPropertyNoDuplicateBodiesAndIrrelevantRules(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		// Copies of drawn rules under other paths, as symlinks would make them.
		for i, n := 0, rapid.IntRange(0, 3).Draw(t, "copies"); i < n && len(rs) > 0; i++ {
			orig := rapid.SampledFrom(rs).Draw(t, "orig")
			cp := *orig
			cp.Path = fmt.Sprintf("/ws/copy/%d.md", i)
			cp.ID = fmt.Sprintf("copy%d", i)
			cp.tokens, cp.bodyKey = &tokenCell{}, &bodyCell{}
			rs = append(rs, &cp)
		}
		p := rapid.SampledFrom(genPaths).Draw(t, "path")
		lang := rapid.SampledFrom(genLangs).Draw(t, "lang")
		sel := NewSet(rs, SetOptions{}).Select(p, lang)
		seen := map[string]string{}
		for _, m := range sel.Applied {
			b := strings.TrimSpace(m.Rule.Body)
			if other, ok := seen[b]; ok {
				t.Fatalf("%s and %s have the same body", other, m.Rule.ID)
			}
			seen[b] = m.Rule.ID
		}
		// A rule that applies nowhere here changes nothing.
		extra := Parse(Source{Path: "/ws/zz/never.md", ID: "never", Layer: LayerUser, Format: FormatAirules},
			[]byte("---\ndescription: never\npriority: 100\nglobs: [\"nowhere/**\"]\n---\n"+rapid.SampledFrom([]string{"Use tabs. ", "new text"}).Draw(t, "extraBody")+"\n"))
		with := NewSet(append(slices.Clone(rs), extra), SetOptions{}).Select(p, lang)
		if !slices.Equal(ids(sel.Applied), ids(with.Applied)) || len(sel.Omitted) != len(with.Omitted) {
			t.Fatalf("a rule that does not apply changed the answer: %v vs %v", ids(sel.Applied), ids(with.Applied))
		}
		max := rapid.IntRange(1, 3000).Draw(t, "max")
		a, b := Budget(sel, max), Budget(with, max)
		if a.Prompt != b.Prompt || a.Tokens != b.Tokens {
			t.Fatalf("the prompt changed")
		}
	})
}

// usage_rules inlines dependency rules into AGENTS.md: the dependency rule is then the
// same text, not charged again.
func TestDependencyInlinedIntoAgents(t *testing.T) {
	dep := strings.Repeat("Define resources with actions; call them through code interfaces. ", 2)
	agents := Parse(Source{Path: "/ws/AGENTS.md", ID: "agents", Format: FormatAgents, Layer: LayerProject},
		[]byte("# Guide\n\n<!-- usage-rules-start -->\n<!-- ash-start -->\n"+dep+"\n<!-- ash-end -->\n<!-- usage-rules-end -->\n"))
	r := Parse(Source{Path: "/ws/deps/ash/usage-rules.md", ID: "deps/ash", Format: FormatDependency, Layer: LayerDependency,
		Ecosystem: EcoHex, Package: "ash", OptedIn: true}, []byte(dep+"\n"))
	sel := NewSet([]*Rule{agents, r}, SetOptions{}).Select("lib/a.ex", "")
	if got := ids(sel.Applied); !slices.Equal(got, []string{"agents"}) || len(sel.Omitted) != 1 || sel.Omitted[0].Reason != OmitDuplicate {
		t.Fatalf("applied %v omitted %+v", got, sel.Omitted)
	}
}

func TestClassifyFormats(t *testing.T) {
	cases := []struct {
		rel    string
		format Format
		id     string
		dir    string
	}{
		{".ai-rules/a/b.md", FormatAirules, "a/b", ""},
		{".cursor/rules/x.mdc", FormatCursor, "cursor/x", ""},
		{"pkg/a/.cursor/rules/sub/x.mdc", FormatCursor, "cursor/pkg/a/sub/x", "pkg/a"},
		{".cursorrules", FormatCursorLegacy, "cursorrules", ""},
		{".github/copilot-instructions.md", FormatCopilotRepo, "copilot/copilot-instructions", ""},
		{".github/instructions/a/go.instructions.md", FormatCopilot, "copilot/a/go", ""},
		{"x/AGENTS.md", FormatAgents, "agents/x", "x"},
		{"x/AGENTS.override.md", FormatAgents, "agents/x", "x"},
		{"CLAUDE.md", FormatClaude, "claude", ""},
		{"x/.claude/CLAUDE.md", FormatClaude, "claude/x/.claude", "x"},
		{"x/CLAUDE.local.md", FormatClaude, "claude/x/local", "x"},
		{".claude/rules/a/b.md", FormatClaudeRules, "claude-rules/a/b", ""},
		{".windsurf/rules/a.md", FormatWindsurf, "windsurf/a", ""},
		{"web/.windsurf/rules/a.md", FormatWindsurf, "windsurf/web/a", "web"},
		{".windsurfrules", FormatWindsurf, "windsurfrules", ""},
		{".clinerules", FormatCline, "clinerules", ""},
		{".clinerules/a.txt", FormatCline, "cline/a", ""},
		{".continue/rules/a.md", FormatContinue, "continue/a", ""},
		{".kiro/steering/a.md", FormatKiro, "kiro/a", ""},
		{"x/GEMINI.md", FormatGemini, "gemini/x", "x"},
		{"deps/ash/usage-rules.md", FormatDependency, "deps/ash", ""},
		{"deps/ash/usage-rules/testing.md", FormatDependency, "deps/ash/testing", ""},
		{"node_modules/@s/p/usage-rules.md", FormatDependency, "deps/@s/p", ""},
		{"node_modules/p/usage-rules.md", FormatDependency, "deps/p", ""},
		{".clinerules/workflows/a.md", "", "", ""},
		{".clinerules/hooks/a.md", "", "", ""},
		{".cursor/rules/a.md", "", "", ""},
		{".kiro/steering/sub/a.md", "", "", ""},
		{".git/x/AGENTS.md", "", "", ""},
		{"deps/ash/lib/usage-rules.md", "", "", ""},
		{"README.md", "", "", ""},
		{"../AGENTS.md", "", "", ""},
	}
	for _, c := range cases {
		got, ok := Classify(c.rel, "")
		if ok != (c.format != "") || (ok && (got.Format != c.format || got.ID != c.id || got.Dir != c.dir)) {
			t.Errorf("Classify(%q) = %+v, %v; want %s %s %q", c.rel, got, ok, c.format, c.id, c.dir)
		}
	}
	for _, g := range WatchGlobs("") {
		if !strings.HasPrefix(g, "**/") {
			t.Errorf("watch glob %q is not relative to any folder", g)
		}
	}
}

func TestParseMix(t *testing.T) {
	src := `defmodule X.MixProject do
  def project, do: [deps: deps(), usage_rules: [file: "CLAUDE.md", usage_rules: [:ash, "phoenix:ecto", "ash_postgres:all"]]]
  # {:commented, "1.0"}
  defp deps do
    [{:ash, "~> 3.0"}, {:phoenix, github: "phoenixframework/phoenix"},
     {:ash_postgres, ">= 0.0.0", only: :dev}]
  end
end`
	mp := ParseMix([]byte(src))
	if !slices.Equal(mp.Deps, []string{"ash", "phoenix", "ash_postgres"}) {
		t.Errorf("deps %v", mp.Deps)
	}
	if !mp.HasUsageRules || !slices.Equal(mp.UsageRules, []string{"ash", "phoenix:ecto", "ash_postgres:all"}) {
		t.Errorf("usage_rules %v %v", mp.HasUsageRules, mp.UsageRules)
	}
	p := NewDependencyPolicy(mp, nil, nil)
	for _, c := range []struct {
		pkg, sub string
		want     bool
	}{{"ash", "", true}, {"ash", "testing", false}, {"phoenix", "", false}, {"phoenix", "ecto", true}, {"ash_postgres", "x", true}, {"ash_postgres", "", true}} {
		if got := p.OptedIn(EcoHex, c.pkg, c.sub); got != c.want {
			t.Errorf("OptedIn(%s, %s) = %v", c.pkg, c.sub, got)
		}
	}
	re := NewDependencyPolicy(ParseMix([]byte("defp usage_rules do\n  [file: \"CLAUDE.md\", usage_rules: [:usage_rules, ~r/^ash_/]]\nend\n")), nil, nil)
	if !slices.Equal(re.HexSpecs, []string{"usage_rules", "~r/^ash_/"}) || !re.OptedIn(EcoHex, "ash_postgres", "") || re.OptedIn(EcoHex, "ash", "") || re.OptedIn(EcoHex, "ash_postgres", "x") {
		t.Errorf("regex specs %q", re.HexSpecs)
	}
	all := NewDependencyPolicy(ParseMix([]byte("defp deps do [{:a, \"1\"}] end\ndef project do [usage_rules: [usage_rules: [:all]]] end")), nil, nil)
	if !all.OptedIn(EcoHex, "a", "") || all.OptedIn(EcoHex, "a", "sub") {
		t.Errorf(":all: %+v", all)
	}
	if got := ParsePackageJSON([]byte(`{"dependencies":{"b":"1"},"devDependencies":{"@s/a":"2"}}`)); !slices.Equal(got, []string{"@s/a", "b"}) {
		t.Errorf("package.json %v", got)
	}
	if got := ParseGoMod([]byte("module m\n\nrequire (\n\texample.com/A v1.2.3\n\tb.org/c v0.1.0 // indirect\n)\n")); len(got) != 2 || got[0].Path != "example.com/A" {
		t.Errorf("go.mod %v", got)
	}
}

func FuzzManifests(f *testing.F) {
	f.Add([]byte("defp deps do [{:a, \"1\"}] end def project do [usage_rules: usage_rules()] end defp usage_rules do [:a, \"a:b\"] end"))
	f.Add([]byte(`{"dependencies":{"x":"1"}}`))
	f.Add([]byte("module m\nrequire a.b/c v1.0.0\n"))
	f.Add([]byte("usage_rules: usage_rules: usage_rules: [[[[\"x\"]]]] do do do end"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mp := ParseMix(data)
		p := NewDependencyPolicy(mp, ParsePackageJSON(data), ParseGoMod(data))
		for _, d := range mp.Deps {
			if !p.Declares(EcoHex, d) {
				t.Fatalf("%s not declared", d)
			}
		}
	})
}

func FuzzImports(f *testing.F) {
	f.Add("@a.md\n@b/c.md and @d\n```\n@e\n```\n`@f`")
	f.Add("@a.md @a.md @../x @/abs @~/home")
	f.Fuzz(func(t *testing.T, body string) {
		fsys := fstest.MapFS{"a.md": {Data: []byte("@a.md\n@b/c.md\n")}, "b/c.md": {Data: []byte("@../a.md text")}}
		r := Parse(Source{Path: "/ws/CLAUDE.md", ID: "claude", Format: FormatClaude}, []byte(body))
		InlineImports(r, "CLAUDE.md", fsys, "/ws")
		if len(r.Body) > 2*MaxFileSize+len(body) {
			t.Fatalf("body grew to %d bytes", len(r.Body))
		}
	})
}

// Imports are bounded: a file imported many times is read once, and a rule resolves at
// most maxImports of them.
func TestImportsBounded(t *testing.T) {
	reads := 0
	fsys := countingFS{fstest.MapFS{"a.md": {Data: []byte(strings.Repeat("x", 4096))}}, &reads}
	body := strings.Repeat("@a.md\n", 10000)
	r := Parse(Source{Path: "/ws/CLAUDE.md", ID: "claude", Format: FormatClaude}, []byte(body))
	InlineImports(r, "CLAUDE.md", fsys, "/ws")
	if reads != 1 {
		t.Errorf("a.md read %d times", reads)
	}
	if len(r.Body) > MaxFileSize+len(body) {
		t.Errorf("body grew to %d bytes", len(r.Body))
	}
	if n := len(r.Problems); n == 0 || n > 2 {
		t.Errorf("%d problems: %v", n, codes(r.Problems))
	}
}

type countingFS struct {
	fstest.MapFS
	n *int
}

func (c countingFS) ReadFile(name string) ([]byte, error) {
	*c.n++
	return c.MapFS.ReadFile(name)
}

// The watch globs and Classify agree: every rule path of every fixture is matched by a
// glob of its format's locations, so a client watching WatchGlobs sees every rule file.
func TestWatchGlobsCoverClassify(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(formatsDir, "*"))
	n := 0
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		_ = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel := filepath.ToSlash(strings.TrimPrefix(p, abs+string(filepath.Separator)))
			c, ok := Classify(rel, "")
			if !ok {
				return nil
			}
			n++
			matched := false
			for _, l := range Locations("") {
				if l.Format != c.Format {
					continue
				}
				for _, g := range []string{l.Glob, "**/" + l.Glob} {
					if ok, _ := doublestar.Match(g, rel); ok {
						matched = true
					}
				}
			}
			if !matched {
				t.Errorf("%s (%s) is matched by no location of its format", rel, c.Format)
			}
			return nil
		})
	}
	if n < 50 {
		t.Fatalf("only %d rule files in the fixtures", n)
	}
}
