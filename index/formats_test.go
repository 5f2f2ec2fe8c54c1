package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
)

func appliedIDs(sel rules.Selection) []string {
	var out []string
	for _, m := range sel.Applied {
		out = append(out, m.Rule.ID)
	}
	return out
}

func availableIDs(sel rules.Selection) []string {
	var out []string
	for _, r := range sel.Available {
		out = append(out, r.ID)
	}
	return out
}

// Dependency rules come from the manifests: Hex deps/ with mix.exs (and its usage_rules
// list), npm node_modules/ with package.json, Go modules in the module cache with
// go.mod. Undeclared folders are not read, nothing needs frontmatter, and a changed
// manifest changes the set on reindex.
func TestDependencyRulesFromManifests(t *testing.T) {
	root := t.TempDir()
	modCache := t.TempDir()
	t.Setenv("GOMODCACHE", modCache)
	mix := write(t, root, "mix.exs", `defmodule Shop.MixProject do
  def project, do: [deps: deps(), usage_rules: [file: "AGENTS.md", usage_rules: [:ash, "ash:testing"]]]
  defp deps do
    [{:ash, "~> 3.0"}, {:igniter, "~> 0.5"}]
  end
end
`)
	write(t, root, "deps/ash/usage-rules.md", "# Ash\nUse actions.\n")
	write(t, root, "deps/ash/usage-rules/testing.md", "Test actions.\n")
	write(t, root, "deps/ash/usage-rules/policies.md", "Policies per action.\n")
	write(t, root, "deps/igniter/usage-rules.md", "Idempotent generators.\n")
	write(t, root, "deps/transitive/usage-rules.md", "not declared\n")
	write(t, root, "package.json", `{"dependencies": {"zod": "^3", "@s/ui": "1"}}`)
	write(t, root, "node_modules/zod/usage-rules.md", "Parse, do not validate.\n")
	write(t, root, "node_modules/@s/ui/usage-rules.md", "Buttons take a variant.\n")
	write(t, root, "node_modules/left-pad/usage-rules.md", "not declared\n")
	write(t, root, "go.mod", "module example.com/shop\n\ngo 1.22\n\nrequire (\n\texample.com/Foo v1.2.0\n\texample.com/bar v0.1.0 // indirect\n)\n")
	write(t, modCache, "example.com/!foo@v1.2.0/usage-rules.md", "Foo clients are safe for concurrent use.\n")
	write(t, modCache, "example.com/!foo@v1.1.0/usage-rules.md", "an old version\n")

	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	got := ids(s)
	slices.Sort(got)
	want := []string{"deps/@s/ui", "deps/ash", "deps/ash/policies", "deps/ash/testing", "deps/example.com/Foo", "deps/igniter", "deps/zod"}
	if !slices.Equal(got, want) {
		t.Fatalf("ids %v\nwant %v", got, want)
	}
	for p, ps := range s.Problems {
		if len(ps) != 0 {
			t.Errorf("%s: %v", p, ps)
		}
	}
	sel := s.Rules.Select("lib/shop.ex", "")
	if got := appliedIDs(sel); !slices.Equal(got, []string{"deps/ash", "deps/ash/testing"}) {
		t.Errorf("lib/shop.ex applied %v", got)
	}
	if got := availableIDs(sel); !slices.Equal(got, []string{"deps/ash/policies", "deps/igniter"}) {
		t.Errorf("available %v", got)
	}
	if got := appliedIDs(s.Rules.Select("config/config.exs", "")); !slices.Equal(got, []string{"deps/ash", "deps/ash/testing"}) {
		t.Errorf(".exs applied %v", got)
	}
	if got := appliedIDs(s.Rules.Select("web/app.ts", "")); !slices.Equal(got, []string{"deps/@s/ui", "deps/zod"}) {
		t.Errorf("web/app.ts applied %v", got)
	}
	if got := appliedIDs(s.Rules.Select("cmd/main.go", "")); !slices.Equal(got, []string{"deps/example.com/Foo"}) {
		t.Errorf("main.go applied %v", got)
	}

	// mix deps.get brings a new sub-rule, and mix.exs opts it in.
	write(t, root, "mix.exs", strings.Replace(string(must(os.ReadFile(mix))), `"ash:testing"`, `"ash:all"`, 1))
	write(t, root, "deps/ash/usage-rules/resources.md", "Resources are the API.\n")
	if _, err := ix.Reindex(context.Background(), "cli", mix); err != nil {
		t.Fatal(err)
	}
	sel = ix.Snapshot().Rules.Select("lib/shop.ex", "")
	if got := appliedIDs(sel); !slices.Equal(got, []string{"deps/ash", "deps/ash/policies", "deps/ash/resources", "deps/ash/testing"}) {
		t.Errorf("after the manifest changed: applied %v", got)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// CLAUDE.md symlinked to AGENTS.md, and a CLAUDE.md that only imports AGENTS.md, bring
// the same text: it is in the prompt once.
func TestSameTextCountedOnce(t *testing.T) {
	root := t.TempDir()
	agents := write(t, root, "AGENTS.md", "# Guide\nRun the tests before you push.\n")
	if err := os.Symlink("AGENTS.md", filepath.Join(root, "CLAUDE.md")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	write(t, root, "sub/CLAUDE.md", "@../AGENTS.md\n")
	write(t, root, "sub/GEMINI.md", "Gemini notes.\n@../AGENTS.md\n")
	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	sel := s.Rules.Select("sub/x.go", "")
	if got := appliedIDs(sel); !slices.Equal(got, []string{"claude/sub", "gemini/sub"}) {
		t.Fatalf("applied %v, omitted %+v", got, sel.Omitted)
	}
	for _, o := range sel.Omitted {
		if o.Reason != rules.OmitDuplicate || o.Of == nil || o.Of.ID != "claude/sub" {
			t.Errorf("omitted %s: %s of %v", o.Rule.ID, o.Reason, o.Of)
		}
	}
	c := rules.Budget(sel, 0)
	if n := strings.Count(c.Prompt, "Run the tests before you push."); n != 2 {
		// once from claude/sub, once inlined into gemini/sub's different text
		t.Errorf("text appears %d times:\n%s", n, c.Prompt)
	}
	if r := s.RuleAt(filepath.Join(root, "sub/CLAUDE.md")); r == nil || !slices.Equal(r.Imports, []string{"AGENTS.md"}) {
		t.Errorf("imports of sub/CLAUDE.md: %+v", r)
	}
	_ = agents
}

// An import that leaves the workspace, by ../ or through a symlink, is refused and
// reported; nothing of the outside file reaches the rule.
func TestImportOutsideRefused(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write(t, outside, "secret.md", "TOP SECRET\n")
	if err := os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(root, "link.md")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	rel, _ := filepath.Rel(root, filepath.Join(outside, "secret.md"))
	claude := write(t, root, "CLAUDE.md", "@link.md\n@"+filepath.ToSlash(rel)+"\n@"+filepath.ToSlash(filepath.Join(outside, "secret.md"))+"\n")
	ix := open(t, Options{Root: root})
	r := ix.Snapshot().RuleAt(claude)
	if r == nil || strings.Contains(r.Body, "SECRET") {
		t.Fatalf("rule %+v", r)
	}
	var codes []rules.Code
	for _, p := range ix.Snapshot().Problems[claude] {
		codes = append(codes, p.Code)
	}
	if !slices.Equal(codes, []rules.Code{rules.CodeImportOutside, rules.CodeImportOutside, rules.CodeImportOutside}) {
		t.Errorf("problems %v", ix.Snapshot().Problems[claude])
	}
}

// Every format's locations are discovered, nested ones included; a workflow of Cline
// and a plain .md in .cursor/rules are not rules.
func TestDiscoversEveryFormat(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		".ai-rules/style.md":                      ruleText("style"),
		".cursor/rules/a.mdc":                     "---\nalwaysApply: true\n---\nA.\n",
		"pkg/web/.cursor/rules/b.mdc":             "---\nglobs: \"*.tsx\"\n---\nB.\n",
		".cursorrules":                            "Legacy.\n",
		".github/copilot-instructions.md":         "Repo.\n",
		".github/instructions/go.instructions.md": "---\napplyTo: \"**/*.go\"\n---\nGo.\n",
		"AGENTS.md":                               "Root.\n",
		"pkg/web/AGENTS.override.md":              "Web override.\n",
		"pkg/web/AGENTS.md":                       "Web.\n",
		"CLAUDE.local.md":                         "Local.\n",
		".claude/rules/api.md":                    "---\npaths: [\"api/**\"]\n---\nAPI.\n",
		".windsurf/rules/w.md":                    "---\ntrigger: always_on\n---\nW.\n",
		".clinerules/c.md":                        "C.\n",
		".clinerules/workflows/ship.md":           "Ship.\n",
		".continue/rules/k.md":                    "---\nname: K\n---\nK.\n",
		".kiro/steering/product.md":               "Product.\n",
		"GEMINI.md":                               "Gemini.\n",
		".cursor/rules/notes.md":                  "not a rule\n",
	}
	for rel, text := range files {
		write(t, root, rel, text)
	}
	ix := open(t, Options{Root: root})
	got := ids(ix.Snapshot())
	slices.Sort(got)
	want := []string{"agents", "agents/pkg/web", "agents/pkg/web", "claude-rules/api", "claude/local", "cline/c", "continue/k",
		"copilot/copilot-instructions", "copilot/go", "cursor/a", "cursor/pkg/web/b", "cursorrules", "gemini", "kiro/product", "style", "windsurf/w"}
	if !slices.Equal(got, want) {
		t.Fatalf("ids %v\nwant %v", got, want)
	}
	sel := ix.Snapshot().Rules.Select("pkg/web/page.tsx", "")
	applied := appliedIDs(sel)
	if !slices.Contains(applied, "cursor/pkg/web/b") || !slices.Contains(applied, "agents/pkg/web") {
		t.Errorf("applied %v", applied)
	}
	for _, m := range sel.Applied {
		if m.Rule.ID == "agents/pkg/web" && !m.Rule.IsAgentsOverride() {
			t.Errorf("the AGENTS.md applied, not its override")
		}
	}
	if got := ix.Snapshot().Problems[filepath.Join(root, ".cursorrules")]; len(got) != 1 || got[0].Code != rules.CodeCursorLegacy {
		t.Errorf(".cursorrules problems %v", got)
	}
}

// An import of a FIFO neither blocks nor reads anything: it is reported.
func TestImportOfFIFO(t *testing.T) {
	root := t.TempDir()
	mkfifo(t, filepath.Join(root, "pipe.md"))
	claude := write(t, root, "CLAUDE.md", "Intro.\n@pipe.md\n")
	ix := open(t, Options{Root: root})
	ps := ix.Snapshot().Problems[claude]
	if len(ps) != 1 || ps[0].Code != rules.CodeImportMissing || !strings.Contains(ps[0].Message, "cannot be read") {
		t.Fatalf("problems %v", ps)
	}
}

// .ai-rules/config.yaml decides which readers are on, what is excluded and which
// dependency rules are read; a change to it takes effect on reindex, and its problems
// are there for the caller to publish.
func TestConfigFile(t *testing.T) {
	root := t.TempDir()
	cfg := write(t, root, ".ai-rules/config.yaml", "formats: [airules, agents]\nexclude: [\"gen/**\"]\nmaxTokens: 900\ncolour: x\n")
	write(t, root, ".ai-rules/a.md", ruleText("a"))
	write(t, root, "AGENTS.md", "Root.\n")
	write(t, root, "gen/AGENTS.md", "Generated.\n")
	write(t, root, ".cursor/rules/c.mdc", "---\nalwaysApply: true\n---\nC.\n")
	ix := open(t, Options{Root: root})
	if got := ids(ix.Snapshot()); !slices.Equal(got, []string{"a", "agents"}) {
		t.Fatalf("ids %v", got)
	}
	c := ix.Config()
	if c.MaxTokens != 900 || len(c.Problems) != 1 || c.Problems[0].Code != rules.CodeUnknownKey || ix.ConfigPath() != cfg {
		t.Errorf("config %+v at %s", c, ix.ConfigPath())
	}
	write(t, root, ".ai-rules/config.yaml", "exclude: []\n")
	if _, err := ix.Reindex(context.Background(), "cli", cfg); err != nil {
		t.Fatal(err)
	}
	got := ids(ix.Snapshot())
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "agents", "agents/gen", "cursor/c"}) {
		t.Fatalf("after the config changed: ids %v", got)
	}
}

// A warm start restores what it can from the store and parses the rest: the answer is
// the same as a cold start's, manual Cursor rules and Continue content rules included.
func TestWarmStartKeepsFormatSemantics(t *testing.T) {
	root := t.TempDir()
	db := filepath.Join(t.TempDir(), "ix.db")
	write(t, root, ".cursor/rules/manual.mdc", "---\ndescription:\n---\nOnly when asked.\n")
	write(t, root, ".cursor/rules/agent.mdc", "---\ndescription: Release steps\n---\nTag it.\n")
	write(t, root, ".continue/rules/sql.md", "---\nname: SQL\nregex: \"SELECT\"\n---\nUse the builder.\n")
	write(t, root, ".github/instructions/x.instructions.md", "---\nname: X\nexcludeAgent: code-review\napplyTo: \"**\"\n---\nX.\n")
	answer := func() (string, []string) {
		ix := open(t, Options{Root: root, DBPath: db})
		defer ix.Close()
		s := ix.Snapshot()
		sel := s.Rules.SelectContent("a.go", "", []byte("q := \"SELECT 1\""))
		x := s.RuleAt(filepath.Join(root, ".github/instructions/x.instructions.md"))
		return strings.Join(appliedIDs(sel), ",") + "|" + strings.Join(availableIDs(sel), ","), x.ExcludeAgent
	}
	cold, coldEx := answer()
	warm, warmEx := answer()
	if cold != "continue/sql,copilot/x|cursor/agent" || warm != cold || !slices.Equal(coldEx, warmEx) || len(warmEx) != 1 {
		t.Fatalf("cold %q %v, warm %q %v", cold, coldEx, warm, warmEx)
	}
}

// A rule that @imports a file is read again when that file changes, appears or goes,
// through the watcher.
func TestImportTargetChanges(t *testing.T) {
	root := t.TempDir()
	write(t, root, "docs/style.md", "Style v1.\n")
	claude := write(t, root, "CLAUDE.md", "@docs/style.md\n@docs/later.md\n")
	ix := open(t, Options{Root: root, Watch: true, Debounce: 20 * 1e6})
	body := func(want ...string) func() bool {
		return func() bool {
			r := ix.Snapshot().RuleAt(claude)
			if r == nil {
				return false
			}
			for _, w := range want {
				if !strings.Contains(r.Body, w) {
					return false
				}
			}
			return true
		}
	}
	if !body("Style v1.")() || len(ix.Snapshot().Problems[claude]) != 1 {
		t.Fatalf("start: %+v %v", ix.Snapshot().RuleAt(claude), ix.Snapshot().Problems[claude])
	}
	write(t, root, "docs/style.md", "Style v2.\n")
	eventually(t, "the import's new text", body("Style v2."))
	write(t, root, "docs/later.md", "Later.\n")
	eventually(t, "the missing import appears", func() bool { return body("Style v2.", "Later.")() && len(ix.Snapshot().Problems[claude]) == 0 })
	os.Remove(filepath.Join(root, "docs/later.md"))
	eventually(t, "the import goes", func() bool { return !body("Later.")() && len(ix.Snapshot().Problems[claude]) == 1 })
}

// An umbrella's apps and a monorepo's workspaces declare the dependencies that the
// root's deps/ and node_modules/ hold.
func TestUmbrellaAndWorkspaces(t *testing.T) {
	root := t.TempDir()
	write(t, root, "mix.exs", "defmodule U.MixProject do\n  def project, do: [apps_path: \"apps\", deps: []]\nend\n")
	write(t, root, "apps/web/mix.exs", "defmodule Web.MixProject do\n  defp deps do\n    [{:phoenix, \"~> 1.7\"}]\n  end\nend\n")
	write(t, root, "deps/phoenix/usage-rules.md", "Contexts own the data.\n")
	write(t, root, "package.json", `{"private": true, "workspaces": ["packages/*"]}`)
	write(t, root, "packages/ui/package.json", `{"dependencies": {"zod": "^3"}}`)
	write(t, root, "node_modules/zod/usage-rules.md", "Parse, do not validate.\n")
	ix := open(t, Options{Root: root})
	got := ids(ix.Snapshot())
	slices.Sort(got)
	if !slices.Equal(got, []string{"deps/phoenix", "deps/zod"}) {
		t.Fatalf("ids %v", got)
	}
}
