package rules

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"pgregory.net/rapid"
)

// bomb is row 3 of the hostile-repository table: 24 {*,**} groups, 2^24 patterns, each
// of which doublestar matched by backtracking.
var bomb = strings.Repeat("{*,**}", 24) + "x"

func TestGlobCost(t *testing.T) {
	for _, tc := range []struct {
		glob string
		why  string // "" when accepted
	}{
		{"**/*.{ts,tsx}", ""},
		{`docs/\{a,b\}/*.md`, ""},                              // escaped braces are literal
		{strings.Repeat("{a,b}", 6) + "/*.go", ""},             // exactly 64 patterns
		{strings.Repeat("{a,b}", 7) + "/*.go", "more than 64"}, // 128
		{"{" + strings.Repeat("a,", 64) + "b}", "more than 64"},
		{"{a,{b,{c,{d,{e,f}}}}}", ""},
		{bomb, "more than 64"},
		{"**/" + strings.Repeat("*a", 63), ""},
		{"**/" + strings.Repeat("*a", 64), "65 wildcards"},
		{"**/" + strings.Repeat("?", 64), "65 wildcards"},
		{"x/" + strings.Repeat("**/", 65) + "x", "65 wildcards"},
		{"{a,b}/" + strings.Repeat("*", 32) + "?", ""}, // a run of stars counts once: 2 × 2
		{"{a,b}{a,b}{a,b}/" + strings.Repeat("*a", 8) + "?", "8 patterns have 72 wildcards"},
		{"*.{" + strings.Repeat("a,", 32) + "b}", "33 patterns have 66 wildcards"}, // *.x is **/*.x
		{strings.Repeat("a", 256), ""},
		{strings.Repeat("a", 257), "257 characters"},
	} {
		err := GlobCost(tc.glob)
		switch {
		case tc.why == "" && err != nil:
			t.Errorf("%.40q refused: %v", tc.glob, err)
		case tc.why != "" && (err == nil || !strings.Contains(err.Error(), tc.why)):
			t.Errorf("%.40q: error %v, want %q", tc.glob, err, tc.why)
		}
	}
}

// TestGlobBombIsAIR006 checks the parser reports the bomb at its glob and keeps the
// other globs, and that selecting through a set never hands it to doublestar.
func TestGlobBombIsAIR006(t *testing.T) {
	data := "---\ndescription: d\nglobs: [\"" + bomb + "\", \"lib/**/*.ex\"]\n---\nbody\n"
	r := Parse(Source{Path: "/r.md", ID: "r", Format: FormatAirules}, []byte(data))
	var p *Problem
	for i := range r.Problems {
		if r.Problems[i].Code == CodeInvalidGlob {
			p = &r.Problems[i]
		}
	}
	if p == nil || !strings.Contains(p.Message, "too complex") || !strings.Contains(p.Message, "more than 64") {
		t.Fatalf("problems %+v", r.Problems)
	}
	if p.Range.Start.Line != 2 || p.Range.Start.Column != len(`globs: ["`)-1 {
		t.Errorf("AIR006 at %+v, want the glob's range on line 2", p.Range)
	}
	if len(r.Globs) != 1 || r.Globs[0] != "lib/**/*.ex" {
		t.Errorf("globs %q", r.Globs)
	}
	// A rule built by hand (or restored) with the bomb: it matches nothing, at once.
	hand := &Rule{Source: Source{Path: "/h.md", ID: "h"}, Status: StatusActive, Globs: []string{bomb}}
	set := NewSet([]*Rule{hand}, SetOptions{})
	long := strings.Repeat("a/", 40) + "x"
	if sel := set.Select(long, ""); len(sel.Applied) != 0 {
		t.Errorf("the bomb selected %v", sel.Applied)
	}
	files := NewFileList([]string{long, "x"})
	if got, n := files.Match(bomb, 0); n != 0 || files.Any(bomb) {
		t.Errorf("the bomb matched %v", got)
	}
}

// worstGlobs are the costliest globs GlobCost accepts, none anchored to a literal the
// index could look up: few patterns with many wildcards, many with few, to be matched
// against paths built to make the stars backtrack.
func worstGlobs() []string {
	return []string{
		"**/" + strings.Repeat("*a", maxGlobWildcards-1) + "b",
		strings.Repeat("*a/", maxGlobWildcards/2) + "**/" + strings.Repeat("*a", maxGlobWildcards/2-2) + "b",
		"{*,**}/" + strings.Repeat("**/a*", maxGlobWildcards/4-2) + "b",
		"{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}*/" + strings.Repeat("a", 200) + "b", // 64 × 1 wildcard
		"{*,**/}{*,**/}{*,**/}b", // 8 patterns of up to 4 wildcards
		"{**/*,*/**}a{*a,?a}{*a,?a}" + strings.Repeat("*a", 4) + "b",
		strings.Repeat("**/a*/", 20) + "b",         // ** in the head: doublestar backtracks there
		"*/" + strings.Repeat("**/*a/", 20) + "*b", // the same, anchored one level down
	}
}

// BenchmarkWorstAcceptedGlob matches one path against one whole glob (all its
// patterns): a 255-byte name (the longest a file name can be), a 1 KB deep path, and a
// 4 KB path (the longest a path can be).
func BenchmarkWorstAcceptedGlob(b *testing.B) {
	paths := map[string]string{
		"name255": strings.Repeat("a", 255),
		"deep1K":  strings.Repeat("aaaaaaaaa/", 100) + "aaaaaaaa",
		"path4K":  strings.Repeat("a/", 2047) + "b",
	}
	for i, g := range worstGlobs() {
		if err := GlobCost(g); err != nil {
			b.Fatalf("%q is refused: %v", g, err)
		}
		pats := compileGlob(g)
		for name, p := range paths {
			b.Run(string(rune('A'+i))+"/"+name, func(b *testing.B) {
				base := p[strings.LastIndexByte(p, '/')+1:]
				for b.Loop() {
					for _, pt := range pats {
						pt.matches(p, base)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/match")
			})
		}
	}
}

// TestSplitTailMatchesDoublestar checks the head/**/tail shortcut against doublestar
// itself on random patterns and paths.
func TestSplitTailMatchesDoublestar(t *testing.T) {
	parts := []string{"a", "b", "*", "**", "**", "?", "a*", "*b", "[ab]", "{a,b}", "a**", "{**,a}", "{*,**/a}", "*a*"}
	rapid.Check(t, func(t *rapid.T) {
		segs := rapid.SliceOfN(rapid.SampledFrom(parts), 1, 7).Draw(t, "pattern")
		g := strings.Join(segs, "/")
		names := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", "ab", "ba", "aa", "aba"}), 1, 9).Draw(t, "path")
		rel := strings.Join(names, "/")
		alts, err := expandGlob(g)
		if err != nil {
			t.Skip()
		}
		want := false
		for _, a := range alts {
			// collapseStars is compared as written: it also fixes a doublestar quirk
			// (0**** does not match 0 there).
			want = want || doublestar.MatchUnvalidated(collapseStars(normalizeGlob(a)), rel)
		}
		got := false
		for _, p := range compileGlob(g) {
			got = got || p.matches(rel, names[len(names)-1])
		}
		if got != want {
			t.Fatalf("%q on %q: %v, doublestar says %v", g, rel, got, want)
		}
	})
}

// FuzzGlob: any glob compiles without a panic, and what it matches is what doublestar
// says of its expanded patterns (the head/**/tail shortcut changes nothing).
func FuzzGlob(f *testing.F) {
	for _, g := range []string{"**/*.{ts,tsx}", "lib/**/live/**/*.ex", bomb, "a*/**/b", "{*,**/}x", `\{a\}`, "[a-c]/?"} {
		f.Add(g, "lib/a/live/b/x.ex")
	}
	f.Fuzz(func(t *testing.T, g, rel string) {
		if !utf8.ValidString(g) || !utf8.ValidString(rel) || len(rel) > 4096 {
			t.Skip() // globs come from YAML, which is UTF-8; paths are at most 4 KB
		}
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Fatalf("%q on %q took %v", g, rel, d)
			}
		}()
		alts, err := expandGlob(strings.TrimPrefix(strings.TrimPrefix(g, "./"), "/")) // as compileGlob does
		pats := compileGlob(g)
		if err != nil {
			for _, p := range pats {
				if p.matches(rel, rel) {
					t.Fatalf("refused glob %q matched %q", g, rel)
				}
			}
			return
		}
		rel = relPath(rel)
		base := rel[strings.LastIndexByte(rel, '/')+1:]
		want := false
		for _, a := range alts {
			// collapseStars is compared as written: it also fixes a doublestar quirk
			// (0**** does not match 0 there).
			want = want || doublestar.MatchUnvalidated(collapseStars(normalizeGlob(a)), rel)
		}
		got := false
		for _, p := range pats {
			got = got || p.matches(rel, base)
		}
		if got != want && doublestar.ValidatePattern(g) {
			t.Fatalf("%q on %q: %v, doublestar says %v", g, rel, got, want)
		}
	})
}
