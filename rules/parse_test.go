package rules

import (
	"slices"
	"strings"
	"testing"
)

func codes(ps []Problem) []Code {
	out := make([]Code, len(ps))
	for i, p := range ps {
		out[i] = p.Code
	}
	return out
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		dir    string
		src    string
		check  func(t *testing.T, r *Rule)
	}{
		{"crlf and bom", FormatAirules, "", "\ufeff---\r\ndescription: d\r\nglobs: \"*.ex\"\r\n---\r\nBody\r\n", func(t *testing.T, r *Rule) {
			if r.Description != "d" || !slices.Equal(r.Globs, []string{"*.ex"}) || strings.Contains(r.Body, "\r") {
				t.Errorf("got %+v", r)
			}
		}},
		{"dashes inside the body", FormatAirules, "", "---\ndescription: d\n---\nintro\n---\nmore\n", func(t *testing.T, r *Rule) {
			if r.Body != "intro\n---\nmore\n" || r.BodyLine != 3 {
				t.Errorf("body %q at %d", r.Body, r.BodyLine)
			}
		}},
		{"single string glob", FormatAirules, "", "---\ndescription: d\nglobs: lib/**/*.ex\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(r.Globs, []string{"lib/**/*.ex"}) {
				t.Errorf("globs %q", r.Globs)
			}
		}},
		{"cursor comma list with braces", FormatCursor, "", "---\ndescription: d\nglobs: *.ts, src/{a,b}/*.tsx\nalwaysApply: false\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(r.Globs, []string{"*.ts", "src/{a,b}/*.tsx"}) {
				t.Errorf("globs %q", r.Globs)
			}
			if !slices.Equal(codes(r.Problems), []Code{CodeUnquotedGlobs}) {
				t.Errorf("problems %v", r.Problems)
			}
			if rg := r.globRanges[1]; rg.Start.Column != 13 || rg.End.Column != 28 {
				t.Errorf("second glob at %+v, want columns 13–28", rg)
			}
		}},
		{"quoted comma list", FormatCursor, "", "---\ndescription: d\nglobs: \"a/*.js, b/*.js\"\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(r.Globs, []string{"a/*.js", "b/*.js"}) || r.globRanges[1].Start.Column != 16 {
				t.Errorf("globs %q at %+v", r.Globs, r.globRanges)
			}
		}},
		{"copilot applyTo", FormatCopilot, "", "---\napplyTo: \"**/*.go\"\ndescription: d\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(r.Globs, []string{"**/*.go"}) || len(r.Problems) != 0 {
				t.Errorf("globs %q problems %v", r.Globs, r.Problems)
			}
		}},
		{"applyTo is unknown in native files", FormatAirules, "", "---\ndescription: d\napplyTo: \"**/*.go\"\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(codes(r.Problems), []Code{CodeUnknownKey}) {
				t.Errorf("problems %v", r.Problems)
			}
		}},
		{"agents at the root", FormatAgents, "", "# Agents\nDo things.\n", func(t *testing.T, r *Rule) {
			if !r.FolderScoped() || r.AgentRequested() || len(r.Problems) != 0 {
				t.Errorf("folder=%v problems=%v", r.FolderScoped(), r.Problems)
			}
		}},
		{"nested agents", FormatAgents, "web", "# Web\nx\n", func(t *testing.T, r *Rule) {
			if r.AlwaysApply || len(r.Globs) != 0 || r.Dir != "web" {
				t.Errorf("always=%v globs=%v", r.AlwaysApply, r.Globs)
			}
		}},
		{"frontmatter never widens an AGENTS.md", FormatAgents, "sdk/llms", "---\nalwaysApply: true\nglobs: \"**\"\n---\nx\n", func(t *testing.T, r *Rule) {
			if r.AlwaysApply || len(r.Globs) != 0 || !slices.Equal(codes(r.Problems), []Code{CodeIgnoredFrontmatter}) {
				t.Errorf("always=%v globs=%v problems %v", r.AlwaysApply, r.Globs, r.Problems)
			}
		}},
		{"empty frontmatter", FormatAirules, "", "---\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(codes(r.Problems), []Code{CodeNoDescription}) {
				t.Errorf("problems %v", r.Problems)
			}
		}},
		{"frontmatter is a list", FormatAirules, "", "---\n- a\n- b\n---\nx\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(codes(r.Problems), []Code{CodeWrongType}) {
				t.Errorf("problems %v", r.Problems)
			}
		}},
		{"string number priority has a fix", FormatAirules, "", "---\ndescription: d\npriority: \"7\"\n---\nx\n", func(t *testing.T, r *Rule) {
			if len(r.Problems) != 1 || r.Problems[0].Fix == nil || r.Problems[0].Fix.Edits[0].NewText != "7" {
				t.Errorf("problems %+v", r.Problems)
			}
		}},
		{"too large", FormatAirules, "", "---\ndescription: d\n---\n" + strings.Repeat("x", MaxFileSize), func(t *testing.T, r *Rule) {
			if !slices.Equal(codes(r.Problems), []Code{CodeTooLarge}) || r.Body != "" {
				t.Errorf("problems %v", r.Problems)
			}
		}},
		{"invalid utf-8", FormatAirules, "", "---\ndescription: d\n---\n\xff\xfe\n", func(t *testing.T, r *Rule) {
			if !slices.Equal(codes(r.Problems), []Code{CodeNotText}) || r.Problems[0].Range.Start.Line != 3 {
				t.Errorf("problems %+v", r.Problems)
			}
		}},
		{"leading blank lines shift positions", FormatAirules, "", "\n\n---\ndescription: d\npriority: x\n---\nbody\n", func(t *testing.T, r *Rule) {
			if len(r.Problems) != 1 || r.Problems[0].Range.Start != (Position{4, 10}) {
				t.Errorf("problems %+v", r.Problems)
			}
		}},
		{"utf-16 columns", FormatAirules, "", "---\ndescription: \"😀😀\"\npriority: nope\nlanguage: [\"😀\", elixr]\n---\nx\n", func(t *testing.T, r *Rule) {
			var lang Problem
			for _, p := range r.Problems {
				if p.Code == CodeUnknownLanguage && strings.Contains(p.Message, "elixr") {
					lang = p
				}
			}
			// `language: ["😀", elixr]`: the emoji is two UTF-16 units, so elixr starts at 17.
			if lang.Range.Start != (Position{3, 17}) || lang.Range.End != (Position{3, 22}) {
				t.Errorf("elixr at %+v", lang.Range)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(Source{Path: "/ws/x.md", ID: "x", Layer: LayerProject, Format: tt.format, Dir: tt.dir}, []byte(tt.src))
			tt.check(t, r)
		})
	}
}

func TestBudget(t *testing.T) {
	var rs []*Rule
	for i, size := range []int{50, 400, 30, 30} {
		rs = append(rs, rule(t, string(rune('a'+i)), LayerProject, "description: d", "alwaysApply: true",
			"priority: "+string(rune('9'-i))))
		rs[i].Body = strings.Repeat("word ", size) + rs[i].ID
		rs[i].tokens = &tokenCell{}
	}
	sel := NewSet(rs, SetOptions{}).Select("x.go", "")
	c := Budget(sel, 200)
	if got := []string{}; true {
		for _, in := range c.Rules {
			got = append(got, in.Rule.ID)
		}
		if !slices.Equal(got, []string{"a", "c", "d"}) {
			t.Errorf("included %v, want a, c, d (b does not fit, later smaller ones do)", got)
		}
	}
	if len(c.Omitted) != 1 || c.Omitted[0].Rule.ID != "b" || c.Omitted[0].Reason != "budget" {
		t.Errorf("omitted %+v", c.Omitted)
	}
	if n := CountTokens(c.Prompt); n != c.Tokens || n > 200 {
		t.Errorf("prompt has %d tokens, reported %d, budget 200", n, c.Tokens)
	}
	if c := Budget(sel, 3); c.Prompt != "" || c.Tokens != 0 || len(c.Omitted) != 4 {
		t.Errorf("a budget below the header: %+v", c)
	}
}

func TestRenderGroupsByScope(t *testing.T) {
	rs := []*Rule{
		rule(t, "20-frameworks/x", LayerProject, "description: fw", "alwaysApply: true", "priority: 90"),
		rule(t, "00-global/y", LayerProject, "description: gl", "alwaysApply: true", "priority: 10"),
		rule(t, "misc/z", LayerProject, "description: ctx", "alwaysApply: true", "scope: [project, context]"),
	}
	c := Budget(NewSet(rs, SetOptions{}).Select("a.go", ""), 1000)
	order := []string{"## Global", "### gl", "## Framework", "### fw", "## Context", "### ctx"}
	last := -1
	for _, s := range order {
		i := strings.Index(c.Prompt, s)
		if i <= last {
			t.Fatalf("%q out of order in\n%s", s, c.Prompt)
		}
		last = i
	}
}
