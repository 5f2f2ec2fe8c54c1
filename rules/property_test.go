package rules

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var (
	genGlobs = []string{"*.ex", "**/*.ex", "lib/**", "lib/**/live/**/*.ex", "!**/*_test.exs", "test/**/*_test.exs",
		"{lib,test}/**/*.{ex,exs}", "mix.exs", "assets/js/*.js", "*.go", "!lib/gen/**", "lib/?.ex", "**/README.md"}
	genPaths = []string{"lib/a.ex", "lib/app_web/live/page_live.ex", "test/a_test.exs", "mix.exs", "assets/js/app.js",
		"main.go", "lib/gen/x.ex", "README.md", "docs/README.md", "lib/b.exs"}
	genLangs = []string{"", "elixir", "go", "javascript"}
)

// genRule draws a random but valid rule.
func genRule(t *rapid.T, i int) *Rule {
	var front []string
	front = append(front, "description: rule "+fmt.Sprint(i))
	front = append(front, fmt.Sprintf("priority: %d", rapid.IntRange(0, 100).Draw(t, "priority")))
	switch rapid.IntRange(0, 4).Draw(t, "kind") {
	case 0:
		front = append(front, "alwaysApply: true")
	case 1:
		front = append(front, "language: ["+rapid.SampledFrom(genLangs[1:]).Draw(t, "lang")+"]")
	case 2, 3:
		gs := rapid.SliceOfNDistinct(rapid.SampledFrom(genGlobs), 1, 3, rapid.ID[string]).Draw(t, "globs")
		front = append(front, "globs: [\""+strings.Join(gs, "\", \"")+"\"]")
		if rapid.Bool().Draw(t, "withLang") {
			front = append(front, "language: ["+rapid.SampledFrom(genLangs[1:]).Draw(t, "lang")+"]")
		}
	}
	if rapid.IntRange(0, 9).Draw(t, "disabled") == 0 {
		front = append(front, "status: disabled")
	}
	id := fmt.Sprintf("r%02d", rapid.IntRange(0, 30).Draw(t, "id"))
	layer := Layer(rapid.IntRange(0, 3).Draw(t, "layer"))
	body := strings.Repeat(rapid.SampledFrom([]string{"Use tabs. ", "Prefer small functions. ", "日本語のテキスト。 "}).Draw(t, "body"),
		rapid.IntRange(1, 40).Draw(t, "reps"))
	src := "---\n" + strings.Join(front, "\n") + "\n---\n" + body + "\n"
	return Parse(Source{Path: fmt.Sprintf("/ws/%s/%d/%s.md", layer, i, id), ID: id, Layer: layer, Format: FormatAirules}, []byte(src))
}

func genRules(t *rapid.T) []*Rule {
	n := rapid.IntRange(0, 25).Draw(t, "n")
	rs := make([]*Rule, n)
	for i := range rs {
		rs[i] = genRule(t, i)
	}
	return rs
}

func TestPropertySelectIgnoresDiscoveryOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		shuffled := rapid.Permutation(rs).Draw(t, "perm")
		p := rapid.SampledFrom(genPaths).Draw(t, "path")
		lang := rapid.SampledFrom(genLangs).Draw(t, "lang")
		a := NewSet(rs, SetOptions{}).Select(p, lang)
		b := NewSet(shuffled, SetOptions{}).Select(p, lang)
		if !slices.Equal(ids(a.Applied), ids(b.Applied)) {
			t.Fatalf("order depends on discovery: %v vs %v", ids(a.Applied), ids(b.Applied))
		}
		for _, m := range a.Applied {
			if len(m.Reasons) == 0 {
				t.Fatalf("%s applied without a reason", m.Rule.ID)
			}
		}
		for i := 1; i < len(a.Applied); i++ {
			if selectedBefore(a.Applied[i], a.Applied[i-1]) {
				t.Fatalf("not in rule order at %d: %v", i, ids(a.Applied))
			}
		}
	})
}

func TestPropertyBudgetNeverExceeded(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		max := rapid.IntRange(1, 3000).Draw(t, "max")
		sel := NewSet(rs, SetOptions{}).Select(rapid.SampledFrom(genPaths).Draw(t, "path"), "")
		c := Budget(sel, max)
		n := CountTokens(c.Prompt)
		if n > max || n != c.Tokens {
			t.Fatalf("prompt has %d tokens, reported %d, budget %d", n, c.Tokens, max)
		}
		if len(c.Rules)+countReason(c.Omitted, "budget") != len(sel.Applied) {
			t.Fatalf("%d included + %d over budget != %d applied", len(c.Rules), countReason(c.Omitted, "budget"), len(sel.Applied))
		}
	})
}

func countReason(os []Omission, reason string) int {
	n := 0
	for _, o := range os {
		if o.Reason == reason {
			n++
		}
	}
	return n
}

// With must give the same answers as compiling the resulting rules from scratch.
func TestPropertyWithMatchesRebuild(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		set := NewSet(rs, SetOptions{})
		live := map[string]*Rule{}
		for _, r := range rs {
			live[r.Path] = r
		}
		for step := rapid.IntRange(1, 5).Draw(t, "steps"); step > 0; step-- {
			var ups []*Rule
			var gone []string
			for _, r := range rs {
				switch rapid.IntRange(0, 5).Draw(t, "op") {
				case 0:
					gone = append(gone, r.Path)
					delete(live, r.Path)
				case 1:
					nr := genRule(t, 100+step)
					nr.Path = r.Path
					ups = append(ups, nr)
					live[r.Path] = nr
				}
			}
			set = set.With(ups, gone)
		}
		want := NewSet(sortedRules(live), SetOptions{})
		for _, p := range genPaths {
			if a, b := ids(set.Select(p, "").Applied), ids(want.Select(p, "").Applied); !slices.Equal(a, b) {
				t.Fatalf("%s: With gives %v, rebuild %v", p, a, b)
			}
		}
	})
}

func TestPropertyParseNeverPanics(t *testing.T) {
	parts := []string{"---\n", "description: x\n", "globs: *.ts, *.tsx\n", "globs: [\n", "priority: 1e9\n", "\ufeff", "\r\n",
		"alwaysApply: \"true\"\n", "  - a\n", ": :\n", "&a b\n", "*a\n", "{", "}", "language: [elixr]\n", "\xff", "😀", "\t", "---"}
	rapid.Check(t, func(t *rapid.T) {
		src := strings.Join(rapid.SliceOfN(rapid.SampledFrom(parts), 0, 20).Draw(t, "parts"), "")
		r := Parse(Source{Path: "p", ID: "p", Format: FormatAirules}, []byte(src))
		checkRanges(t, r, src)
	})
}

// checkRanges asserts every problem's range is ordered and inside the file's lines.
func checkRanges(t interface{ Fatalf(string, ...any) }, r *Rule, src string) {
	lines := LineCount(src)
	for _, p := range r.Problems {
		s, e := p.Range.Start, p.Range.End
		if s.Line < 0 || s.Column < 0 || e.Line < s.Line || (e.Line == s.Line && e.Column < s.Column) || s.Line > lines {
			t.Fatalf("bad range %+v for %s in %q", p.Range, p.Code, src)
		}
	}
}

// selectedBefore is the documented order, written out independently of compareHits:
// layer, priority, specificity (more specific first), path.
func selectedBefore(a, b Match) bool {
	switch {
	case a.Rule.Layer != b.Rule.Layer:
		return a.Rule.Layer > b.Rule.Layer
	case a.Rule.Priority != b.Rule.Priority:
		return a.Rule.Priority > b.Rule.Priority
	case a.Specificity.Tier != b.Specificity.Tier:
		return a.Specificity.Tier > b.Specificity.Tier
	case a.Specificity.Depth != b.Specificity.Depth:
		return a.Specificity.Depth > b.Specificity.Depth
	}
	return a.Rule.Path < b.Rule.Path
}

// sortHits orders hits exactly as compareHits does, whether their keys pack (the usual
// ranks, priorities and depths) or not (priorities and depths beyond the packed bits).
func TestPropertySortHitsIsCompareHits(t *testing.T) {
	s := NewSet(nil, SetOptions{})
	rapid.Check(t, func(t *rapid.T) {
		wide := rapid.Bool().Draw(t, "wide")
		prio := rapid.IntRange(-3, 103)
		depth := rapid.IntRange(0, 6)
		if wide {
			prio = rapid.IntRange(-1<<30, 1<<30)
			depth = rapid.IntRange(0, 1<<14)
		}
		n := rapid.IntRange(0, 60).Draw(t, "n")
		hits := make([]hit, n)
		for i := range hits {
			hits[i] = hit{
				rule: &Rule{Source: Source{Path: fmt.Sprintf("/ws/%c.md", 'a'+rapid.IntRange(0, 5).Draw(t, "path"))}},
				rank: int32(rapid.IntRange(-1, 3).Draw(t, "rank")),
				prio: int32(prio.Draw(t, "prio")),
				spec: Specificity{Tier: SpecTier(rapid.IntRange(0, int(TierFile)).Draw(t, "tier")), Depth: depth.Draw(t, "depth")},
			}
		}
		var sc scratch
		s.sortHits(&sc, hits)
		if len(sc.order) != n {
			t.Fatalf("%d hits ordered, want %d", len(sc.order), n)
		}
		for i := 1; i < n; i++ {
			if c := s.compareHits(&hits[sc.order[i-1]], &hits[sc.order[i]]); c > 0 {
				t.Fatalf("hit %d before hit %d, but compareHits says %d", sc.order[i-1], sc.order[i], c)
			}
		}
		seen := map[int32]bool{}
		for _, i := range sc.order {
			seen[i] = true
		}
		if len(seen) != n {
			t.Fatalf("order %v is not a permutation of %d hits", sc.order, n)
		}
	})
}

// An answer built in a Reuse is the answer built in memory of its own, however many
// answers of other files, larger or smaller, the Reuse held before.
func TestPropertyReuseGivesTheSameAnswers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		set := NewSet(genRules(t), SetOptions{})
		max := rapid.IntRange(1, 3000).Draw(t, "max")
		var u Reuse
		for i := range rapid.IntRange(1, 6).Draw(t, "files") {
			p := rapid.SampledFrom(genPaths).Draw(t, fmt.Sprint("path", i))
			lang := rapid.SampledFrom(genLangs).Draw(t, fmt.Sprint("lang", i))
			want := BudgetWith(set.SelectFor(p, lang, nil, ""), max, HeaderTokens(p))
			got := BudgetReusing(&u, set.SelectReusing(&u, p, lang, nil, ""), max, HeaderTokens(p))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("file %d (%s, %q): reused answer\n%+v\nwant\n%+v", i, p, lang, got, want)
			}
		}
	})
}

// Compare agrees with Less both ways.
func TestPropertyCompareIsLess(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		for _, a := range rs {
			for _, b := range rs {
				if c := Compare(a, b); (c < 0) != Less(a, b) || (c > 0) != Less(b, a) {
					t.Fatalf("Compare(%s, %s) = %d, Less %v, reversed %v", a.Path, b.Path, c, Less(a, b), Less(b, a))
				}
			}
		}
	})
}

// A budget decides by the rules' counts, whatever a table knew of them when it was
// built (a count, a lower bound, nothing: facts.atLeast): rules counted or bounded
// before NewSet are taken and left out as a model that counts every rule decides.
func TestPropertyBudgetIgnoresWhatTheTableKnew(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		for i, r := range rs {
			switch rapid.IntRange(0, 2).Draw(t, fmt.Sprintf("known%d", i)) {
			case 1:
				r.TokensAtLeast()
			case 2:
				r.Tokens()
			}
		}
		max := rapid.IntRange(1, 3000).Draw(t, "max")
		path := rapid.SampledFrom(genPaths).Draw(t, "path")
		sel := NewSet(rs, SetOptions{}).Select(path, "")
		header := CountTokens(promptHeader(relPath(path)))

		wantIn, _, total := modelBudget(sel, max, header)
		c := BudgetWith(sel, max, header)
		var gotIn []string
		for _, in := range c.Rules {
			gotIn = append(gotIn, in.Rule.ID)
			if want := CountTokens(in.Rule.SectionText()); in.Tokens != want {
				t.Fatalf("%s taken with %d tokens, counts %d", in.Rule.ID, in.Tokens, want)
			}
		}
		if !slices.Equal(gotIn, wantIn) {
			t.Fatalf("taken %v, want %v", gotIn, wantIn)
		}
		if len(c.Rules) > 0 && c.Tokens != total {
			t.Fatalf("prompt of %d tokens, want %d", c.Tokens, total)
		}
	})
}
