package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rule builds a parsed rule from frontmatter lines, the way users write them.
func rule(t testing.TB, id string, layer Layer, front ...string) *Rule {
	t.Helper()
	src := "---\n" + strings.Join(front, "\n") + "\n---\nBody of " + id + ".\n"
	r := Parse(Source{Path: "/ws/.ai-rules/" + id + ".md", ID: id, Layer: layer, Format: FormatAirules}, []byte(src))
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			t.Fatalf("rule %s: %s %s", id, p.Code, p.Message)
		}
	}
	return r
}

func ids(ms []Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Rule.ID
	}
	return out
}

func TestSelectApplicability(t *testing.T) {
	rs := []*Rule{
		rule(t, "always", LayerProject, "description: a", "alwaysApply: true", "priority: 1"),
		rule(t, "ex-base", LayerProject, "description: b", `globs: "*.ex"`),
		rule(t, "live", LayerProject, "description: c", `globs: ["lib/**/live/**/*.ex"]`),
		rule(t, "lang-only", LayerProject, "description: d", "language: [elixir]"),
		rule(t, "glob-and-lang", LayerProject, "description: e", `globs: ["lib/**"]`, "language: [go]"),
		rule(t, "negated", LayerProject, "description: f", `globs: ["lib/**/*.ex", "!**/*_test.ex"]`),
		rule(t, "braces", LayerProject, "description: g", `globs: ["{lib,test}/**/*.{ex,exs}"]`),
		rule(t, "exact", LayerProject, "description: h", `globs: ["mix.exs"]`),
		rule(t, "anchored", LayerProject, "description: i", `globs: ["/config/*.exs"]`),
		rule(t, "disabled", LayerProject, "description: j", `globs: ["**/*.ex"]`, "status: disabled"),
		rule(t, "agent", LayerProject, "description: k"),
		rule(t, "cursor-list", LayerProject, "description: l", "globs: *.js, *.ts"),
		rule(t, "dir-star", LayerProject, "description: m", `globs: ["assets/**"]`),
		rule(t, "question", LayerProject, "description: n", `globs: ["lib/?.ex"]`),
		rule(t, "suffix", LayerProject, "description: o", `globs: ["*_live.ex", "*file"]`),
	}
	broken := Parse(Source{Path: "/ws/.ai-rules/broken.md", ID: "broken", Format: FormatAirules}, []byte("---\nalwaysApply: [\n---\nx\n"))
	rs = append(rs, broken)
	set := NewSet(rs, SetOptions{})
	tests := []struct {
		path, lang string
		want       []string
		reasons    map[string]string
	}{
		{"lib/app_web/live/page_live.ex", "", []string{"always", "braces", "ex-base", "lang-only", "live", "negated", "suffix"},
			map[string]string{"always": "alwaysApply", "live": "glob lib/**/live/**/*.ex", "lang-only": "language elixir", "ex-base": "glob *.ex"}},
		{"lib/app_test.ex", "", []string{"always", "braces", "ex-base", "lang-only"}, nil},
		{"lib/x.go", "go", []string{"always", "glob-and-lang"}, map[string]string{"glob-and-lang": "glob lib/**, language go"}},
		{"lib/x.go", "rust", []string{"always"}, nil},
		{"mix.exs", "", []string{"always", "exact", "lang-only"}, nil},
		{"deep/mix.exs", "", []string{"always", "exact", "lang-only"}, nil}, // no slash: base name at any depth
		{"config/dev.exs", "", []string{"always", "anchored", "lang-only"}, nil},
		{"assets/js/app.js", "", []string{"always", "cursor-list", "dir-star"}, nil},
		{"./assets/app.ts", "", []string{"always", "cursor-list", "dir-star"}, nil},
		{"lib/a.ex", "", []string{"always", "braces", "ex-base", "lang-only", "negated", "question"}, nil},
		{"README", "", []string{"always"}, nil},
		{"Makefile", "", []string{"always", "suffix"}, map[string]string{"suffix": "glob *file"}},
		{"src/a.Makefile", "", []string{"always", "suffix"}, nil},
		{"test/app_test.exs", "elixir", []string{"always", "braces", "lang-only"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.lang, func(t *testing.T) {
			sel := set.Select(tt.path, tt.lang)
			got := ids(sel.Applied)
			sort := slices.Clone(got)
			slices.Sort(sort)
			if !slices.Equal(sort, tt.want) {
				t.Fatalf("applied %v, want %v", got, tt.want)
			}
			for _, m := range sel.Applied {
				if len(m.Reasons) == 0 {
					t.Errorf("%s applied without a reason", m.Rule.ID)
				}
				if want, ok := tt.reasons[m.Rule.ID]; ok && joinReasons(m.Reasons) != want {
					t.Errorf("%s reasons %q, want %q", m.Rule.ID, joinReasons(m.Reasons), want)
				}
			}
			if len(sel.Available) != 1 || sel.Available[0].ID != "agent" {
				t.Errorf("available = %v, want [agent]", sel.Available)
			}
		})
	}
	// The disabled rule is reported where it would apply, never applied.
	sel := set.Select("lib/a.ex", "")
	if len(sel.Omitted) != 1 || sel.Omitted[0].Rule.ID != "disabled" || sel.Omitted[0].Reason != "disabled" {
		t.Errorf("omitted = %+v", sel.Omitted)
	}
	if got := ids(set.WithDisabled([]string{"ex-base"}).Select("lib/a.ex", "").Applied); slices.Contains(got, "ex-base") {
		t.Errorf("configuration-disabled rule applied: %v", got)
	}
}

// TestLanguagesPastTheBits: a table gives each language its rules name a bit, up to
// maxLangBits; a rule that names a language past them is still limited to its languages,
// by its list, whether the file's language has a bit or not.
func TestLanguagesPastTheBits(t *testing.T) {
	var rs []*Rule
	for i := range maxLangBits {
		rs = append(rs, rule(t, fmt.Sprintf("lang%02d", i), LayerProject, "description: d", `globs: ["src/**"]`, fmt.Sprintf("language: [l%02d]", i)))
	}
	rs = append(rs,
		rule(t, "late", LayerProject, "description: d", `globs: ["src/**"]`, "language: [l00, late]"),
		rule(t, "late-only", LayerProject, "description: d", `globs: ["src/**"]`, "language: [late]"))
	set := NewSet(rs, SetOptions{})
	tests := []struct {
		lang string
		want []string
	}{
		{"late", []string{"late", "late-only"}}, // no bit: only the lists decide
		{"l00", []string{"lang00", "late"}},     // a bit, and a rule whose list goes past the bits
		{"l63", []string{"lang63"}},             // the last bit
		{"other", nil},                          // nobody's language
	}
	for _, tt := range tests {
		got := ids(set.Select("src/a.x", tt.lang).Applied)
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("language %s: applied %v, want %v", tt.lang, got, tt.want)
		}
	}
}

func TestOrderAndShadowing(t *testing.T) {
	rs := []*Rule{
		rule(t, "b", LayerProject, "description: b", "alwaysApply: true", "priority: 5"),
		rule(t, "a", LayerProject, "description: a", "alwaysApply: true", "priority: 5"),
		rule(t, "high", LayerProject, "description: h", "alwaysApply: true", "priority: 90"),
		rule(t, "dep", LayerDependency, "description: d", "alwaysApply: true", "priority: 100"),
		rule(t, "team", LayerTeam, "description: t", "alwaysApply: true", "priority: 100"),
		rule(t, "mine", LayerUser, "description: u", "alwaysApply: true", "priority: 0"),
		rule(t, "shared", LayerTeam, "description: team version", "alwaysApply: true"),
	}
	over := rule(t, "shared", LayerUser, "description: user version", `globs: ["*.go"]`)
	over.Path = "/home/u/.config/airules/rules/shared.md"
	set := NewSet(append(rs, over), SetOptions{})

	sel := set.Select("main.go", "")
	want := []string{"shared", "mine", "high", "a", "b", "team", "dep"}
	if got := ids(sel.Applied); !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	// shared and mine tie on layer and priority: the path decides.
	if sel.Applied[0].Rule.Layer != LayerUser {
		t.Errorf("shared should come from the user layer")
	}
	if len(sel.Omitted) != 1 || sel.Omitted[0].Reason != "shadowed" || sel.Omitted[0].Rule.Layer != LayerTeam {
		t.Errorf("omitted = %+v, want the team's shared as shadowed", sel.Omitted)
	}
	// The user's rule shadows the team's even where it does not apply itself.
	sel = set.Select("x.py", "")
	if slices.Contains(ids(sel.Applied), "shared") {
		t.Errorf("shadowed rule applied to x.py: %v", ids(sel.Applied))
	}
}

func TestSetWith(t *testing.T) {
	var rs []*Rule
	for i := range 100 {
		rs = append(rs, rule(t, fmt.Sprintf("r%03d", i), LayerProject, "description: x", fmt.Sprintf(`globs: ["dir%d/**"]`, i)))
	}
	set := NewSet(rs, SetOptions{})
	edited := rule(t, "r005", LayerProject, "description: x", `globs: ["other/**"]`)
	added := rule(t, "new", LayerProject, "description: x", `globs: ["dir7/**"]`)
	next := set.With([]*Rule{edited, added}, []string{rs[7].Path})
	if next.Len() != 100 {
		t.Errorf("len %d, want 100", next.Len())
	}
	if got := ids(next.Select("dir5/a", "").Applied); len(got) != 0 {
		t.Errorf("edited rule still matches its old glob: %v", got)
	}
	if got := ids(next.Select("other/a", "").Applied); !slices.Equal(got, []string{"r005"}) {
		t.Errorf("edited rule: %v", got)
	}
	if got := ids(next.Select("dir7/a", "").Applied); !slices.Equal(got, []string{"new"}) {
		t.Errorf("removed/added: %v", got)
	}
	if got := ids(set.Select("dir7/a", "").Applied); !slices.Equal(got, []string{"r007"}) {
		t.Errorf("the old set changed: %v", got)
	}
	// Enough changes fold the delta back into one table, with the same answers.
	cur := next
	for i := 10; i < 100; i++ {
		cur = cur.With([]*Rule{rule(t, fmt.Sprintf("r%03d", i), LayerProject, "description: y", fmt.Sprintf(`globs: ["moved%d/**"]`, i))}, nil)
	}
	if cur.delta != nil && len(cur.delta.rules) > cur.deltaLimit() {
		t.Errorf("delta grew past its limit: %d", len(cur.delta.rules))
	}
	if got := ids(cur.Select("moved42/x", "").Applied); !slices.Equal(got, []string{"r042"}) {
		t.Errorf("after folding: %v", got)
	}
	if got := ids(cur.Select("dir42/x", "").Applied); len(got) != 0 {
		t.Errorf("after folding, old glob: %v", got)
	}
}

func TestExplain(t *testing.T) {
	set := NewSet([]*Rule{
		rule(t, "neg", LayerProject, "description: a", `globs: ["lib/**", "!lib/gen/**"]`),
		rule(t, "lang", LayerProject, "description: b", `globs: ["lib/**"]`, "language: [go]"),
		rule(t, "nomatch", LayerProject, "description: c", `globs: ["web/**"]`),
		rule(t, "agent", LayerProject, "description: d"),
	}, SetOptions{})
	want := map[string]string{
		"neg":     "excluded by !lib/gen/**",
		"lang":    "globs match, but language elixir is not in go",
		"nomatch": "no glob matches (web/**)",
		"agent":   "agent-requested",
	}
	for _, e := range set.Explain("lib/gen/x.ex", "") {
		if e.Applies || !strings.Contains(e.Why, want[e.Rule.ID]) {
			t.Errorf("%s: applies=%v why=%q, want %q", e.Rule.ID, e.Applies, e.Why, want[e.Rule.ID])
		}
	}
}

func TestLanguageOf(t *testing.T) {
	for path, want := range map[string]string{
		"a/b.ex": "elixir", "x.EXS": "elixir", "Dockerfile": "dockerfile", "Dockerfile.prod": "dockerfile",
		"main.go": "go", "a.tsx": "typescriptreact", "Makefile": "makefile", "noext": "", "x.rs": "rust",
	} {
		if got := LanguageOf(path); got != want {
			t.Errorf("LanguageOf(%q) = %q, want %q", path, got, want)
		}
	}
	langs := map[string]bool{}
	for _, l := range extLanguages {
		langs[l] = true
	}
	if len(langs) < 40 {
		t.Errorf("extension map covers %d languages, want at least 40", len(langs))
	}
}

func TestResolveLanguage(t *testing.T) {
	for _, c := range []struct{ client, path, want string }{
		{"plaintext", "lib/a.ex", "elixir"},  // VS Code without an Elixir extension
		{"", "lib/a.ex", "elixir"},           // Neovim without a filetype
		{"elixirr", "lib/a.ex", "elixir"},    // not a language id we know
		{"heex", "lib/a.ex", "heex"},         // a real id wins over the name
		{"go", "notes.txt", "go"},            // even when the name says otherwise
		{"plaintext", "README", "plaintext"}, // nothing better to say
		{"", "noext", ""},
	} {
		if got := ResolveLanguage(c.client, c.path); got != c.want {
			t.Errorf("ResolveLanguage(%q, %q) = %q, want %q", c.client, c.path, got, c.want)
		}
	}
}
