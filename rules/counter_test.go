package rules

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// lowerBoundOf is the bound of one text.
func lowerBoundOf(s string) int {
	var lb lowerBound
	lb.add(s)
	return lb.n
}

func TestLowerBoundRuns(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"hello", 1}, {"hello world", 2}, {"it's", 1}, {"abc123def", 3}, {"a.b", 2},
		{"naïve", 1}, {"1'2", 1}, {"x_y", 2}, {"  \n\n ", 0}, {"12345", 1}, {"HelloWorld", 1},
	} {
		if got := lowerBoundOf(c.s); got != c.want {
			t.Errorf("lowerBound(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// The bound never exceeds the count: on the fixtures, on tricky and random texts, and
// on every section a rule renders (TokensAtLeast against Tokens).
func TestTokensAtLeastIsALowerBound(t *testing.T) {
	var texts []string
	for _, pattern := range []string{"../testdata/example/.ai-rules/*/*.md", "../testdata/formats/*/*", "../testdata/formats/*/*/*", "../README.md"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil && utf8.Valid(data) {
				texts = append(texts, string(data))
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		texts = append(texts, randomText(rng, 1+rng.IntN(300)))
	}
	texts = append(texts, trickyTexts...)
	for _, s := range texts {
		if lb, n := lowerBoundOf(s), CountTokens(s); lb > n {
			t.Fatalf("bound %d over the count %d for %q", lb, n, s)
		}
		r := Parse(Source{Path: "/w/.ai-rules/r.md", ID: "r"}, []byte("---\ndescription: A rule\n---\n"+s))
		if lb, n := r.TokensAtLeast(), r.Tokens(); lb > n || r.TokensAtLeast() != n {
			t.Fatalf("rule: bound %d, count %d (then %d) for %q", lb, n, r.TokensAtLeast(), s)
		}
	}
}

func TestLowerBoundProperty(t *testing.T) {
	alphabet := []rune("aZ09'’ .,_-\n\t\"é東🚀s")
	rapid.Check(t, func(t *rapid.T) {
		rs := rapid.SliceOfN(rapid.SampledFrom(alphabet), 0, 200).Draw(t, "text")
		s := string(rs)
		if lb, n := lowerBoundOf(s), CountTokens(s); lb > n {
			t.Fatalf("bound %d over the count %d for %q", lb, n, s)
		}
	})
}

func FuzzLowerBound(f *testing.F) {
	for _, s := range trickyTexts {
		f.Add(s)
	}
	f.Add("it's 12345 o'clock, naïve café")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 || !utf8.ValidString(s) {
			return
		}
		if lb, n := lowerBoundOf(s), CountTokens(s); lb > n {
			t.Fatalf("bound %d over the count %d for %q", lb, n, s)
		}
		if strings.TrimSpace(s) == "" {
			return
		}
		r := Parse(Source{Path: "/w/.ai-rules/r.md", ID: "r"}, []byte(s))
		if lb, n := r.TokensAtLeast(), r.Tokens(); lb > n {
			t.Fatalf("rule: bound %d over the count %d for %q", lb, n, s)
		}
	})
}

func BenchmarkLowerBound(b *testing.B) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		lowerBoundOf(s)
	}
}

// recordingCounter counts in this process, as a worker would, and records how many
// texts it was asked for.
type recordingCounter struct{ texts int }

func (c *recordingCounter) CountTokens(n int, text func([]byte, int) []byte) ([]int, error) {
	c.texts += n
	out := make([]int, n)
	for i := range n {
		out[i] = CountTokens(string(text(nil, i)))
	}
	return out, nil
}

// modelBudget is the plain greedy budget, written here for the tests: every applied
// rule counted, taken while it fits. It returns the ids taken and left out, and the
// prompt's tokens.
func modelBudget(sel Selection, max, header int) (in, out []string, total int) {
	total, opened := header, map[string]bool{}
	for _, m := range sel.Applied {
		cost := CountTokens(m.Rule.SectionText())
		if s := m.Rule.EffectiveScope(); !opened[s] {
			cost += headingTokens[s]
		}
		if total+cost > max {
			out = append(out, m.Rule.ID)
			continue
		}
		total += cost
		opened[m.Rule.EffectiveScope()] = true
		in = append(in, m.Rule.ID)
	}
	return in, out, total
}

// After CountForBudget, BudgetWith counts nothing itself, the listed omitted rules are
// counted, and the answer is the plain greedy budget's (a model written here, counting
// every rule).
func TestPropertyCountForBudget(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := genRules(t)
		max := rapid.IntRange(1, 3000).Draw(t, "max")
		listed := rapid.IntRange(0, 8).Draw(t, "listed")
		path := rapid.SampledFrom(genPaths).Draw(t, "path")
		sel := NewSet(rs, SetOptions{}).Select(path, "")
		header := CountTokens(promptHeader(relPath(path)))

		wantIn, wantOut, total := modelBudget(sel, max, header)

		var rc recordingCounter
		if err := CountForBudget(&rc, sel, max, header, listed); err != nil {
			t.Fatal(err)
		}
		known := map[*Rule]bool{}
		for _, r := range rs {
			if _, ok := r.CountedTokens(); ok {
				known[r] = true
			}
		}
		c := BudgetWith(sel, max, header)
		for _, r := range rs {
			if _, ok := r.CountedTokens(); ok && !known[r] {
				t.Fatalf("BudgetWith counted %s itself", r.ID)
			}
		}
		for _, o := range c.Omitted[:min(listed, len(c.Omitted))] {
			if !known[o.Rule] {
				t.Fatalf("listed omitted %s not counted", o.Rule.ID)
			}
		}
		var gotIn, gotOut []string
		for _, in := range c.Rules {
			gotIn = append(gotIn, in.Rule.ID)
		}
		for _, o := range c.Omitted {
			if o.Reason == OmitBudget {
				gotOut = append(gotOut, o.Rule.ID)
			}
		}
		if fmt.Sprint(gotIn) != fmt.Sprint(wantIn) || fmt.Sprint(gotOut) != fmt.Sprint(wantOut) || (len(wantIn) > 0 && c.Tokens != total) {
			t.Fatalf("included %v omitted %v (%d tokens), want %v, %v (%d)", gotIn, gotOut, c.Tokens, wantIn, wantOut, total)
		}
	})
}
