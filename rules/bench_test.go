package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// typicalRule is a ~2 KB rule file like the ones teams write.
func typicalRule(i int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ndescription: Conventions for package %d\nversion: \"1.%d\"\npriority: %d\n", i, i%10, i%100)
	fmt.Fprintf(&b, "scope: [project, framework]\nlanguage: [go]\ntags: [style, pkg%d]\n", i)
	fmt.Fprintf(&b, "globs: [\"src/pkg%d/**/*.go\", \"**/gen_%d.go\", \"!**/*_test.go\"]\ncreated: 2026-01-02\n---\n", i, i)
	for b.Len() < 2000 {
		b.WriteString("- Prefer small functions that return early; wrap errors with context.\n")
	}
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	data := typicalRule(7)
	src := Source{Path: "/ws/.ai-rules/x.md", ID: "x", Layer: LayerProject, Format: FormatAirules}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if r := Parse(src, data); len(r.Problems) != 0 {
			b.Fatal(r.Problems)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// benchSet builds n rules with three globs each, plus a few alwaysApply and language rules.
func benchSet(b *testing.B, n int) *Set {
	rs := make([]*Rule, 0, n)
	for i := range n {
		src := Source{Path: fmt.Sprintf("/ws/.ai-rules/r%05d.md", i), ID: fmt.Sprintf("r%05d", i), Layer: LayerProject, Format: FormatAirules}
		var front string
		switch {
		case i%1000 == 0:
			front = "alwaysApply: true\n"
		case i%500 == 1:
			front = "language: [go]\n"
		default:
			front = fmt.Sprintf("globs: [\"src/pkg%d/**/*.go\", \"**/gen_%d.go\", \"docs/area%d/*.{md,txt}\"]\n", i, i, i%300)
		}
		// Distinct bodies: identical ones would be omitted as duplicates.
		rs = append(rs, Parse(src, []byte("---\ndescription: d\n"+front+"---\nbody "+src.ID+"\n")))
	}
	return NewSet(rs, SetOptions{})
}

func BenchmarkSelect(b *testing.B) {
	set := benchSet(b, 10000)
	path := "src/pkg4242/internal/server/gen_17.go"
	want := len(set.Select(path, "").Applied)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if got := len(set.Select(path, "").Applied); got != want {
			b.Fatal(got)
		}
	}
	b.ReportMetric(float64(want), "rules/op")
}

func BenchmarkBudget(b *testing.B) {
	rs := make([]*Rule, 50)
	for i := range rs {
		rs[i] = Parse(Source{Path: fmt.Sprintf("/ws/r%02d.md", i), ID: fmt.Sprintf("r%02d", i), Format: FormatAirules},
			append([]byte(fmt.Sprintf("---\ndescription: d\nalwaysApply: true\n---\nRule %d.\n", i)), typicalRule(i)[200:]...))
		rs[i].Tokens() // the index counts once, at indexing time
	}
	sel := NewSet(rs, SetOptions{}).Select("a.go", "")
	b.ReportAllocs()
	for b.Loop() {
		c := Budget(sel, 32000)
		if len(c.Rules) != 50 {
			b.Fatal(len(c.Rules))
		}
	}
}

// BenchmarkCountTokens: MB/s of exact o200k counting on rule-like text (the example
// workspace's rules and this repository's README, which share their vocabulary with
// the rules teams write), with the piece memo warm ("memo") and against the library
// alone ("library").
func BenchmarkCountTokens(b *testing.B) {
	var texts []string
	for _, pattern := range []string{"../testdata/example/.ai-rules/*/*.md", "../testdata/example/.ai-rules/*/*/*.md", "../README.md", "../editors/README.md"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			texts = append(texts, string(data))
		}
	}
	size := 0
	for _, s := range texts {
		size += len(s)
	}
	// MB per CPU-second besides MB/s: on a shared machine wall time is stretched by
	// other tenants, CPU time is not.
	run := func(b *testing.B, countText func(string) int) {
		countText("x") // load the encoder
		b.SetBytes(int64(size))
		c0, n := cpuTime(), 0
		for b.Loop() {
			for _, s := range texts {
				countText(s)
			}
			n++
		}
		b.ReportMetric(float64(size*n)/1e6/(cpuTime()-c0).Seconds(), "MB/cpu-s")
	}
	b.Run("memo", func(b *testing.B) { run(b, CountTokens) })
	b.Run("library", func(b *testing.B) { run(b, count) })
}
