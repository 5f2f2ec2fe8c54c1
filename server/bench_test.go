package server

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"

	"go.lsp.dev/protocol"
)

// Round-trip benchmarks through the pipe harness: client encode → server queue →
// handler → reply → client framing. Each reports p50 and p99 in µs. The timed loops
// take the result as raw JSON: the in-process Go client shares the machine's two CPUs
// with the server, and decoding a hover's markdown into Go structs costs it more than
// the server spends answering; the first answer of each benchmark is decoded and
// checked in full.

// genWorkspace writes n rules and a few hundred source files. Rule i applies to the
// files of module i%modules, so about n/modules rules (plus the always-apply ones)
// apply to one file: a realistic selection, not the whole set.
func genWorkspace(tb testing.TB, n int) string {
	tb.Helper()
	root := tb.TempDir()
	const modules = 500
	for m := 0; m < min(modules, 200); m++ {
		writeFile(tb, filepath.Join(root, "src", fmt.Sprintf("mod%d", m), "main.go"), "package main\n")
	}
	for i := 0; i < n; i++ {
		var fm string
		switch {
		case i%997 == 0:
			fm = "alwaysApply: true"
		case i%7 == 0:
			fm = "language: [go]\nglobs: [\"src/mod" + fmt.Sprint(i%modules) + "/**\"]"
		default:
			fm = fmt.Sprintf("globs: [\"src/mod%d/**/*.go\", \"!**/*_test.go\"]", i%modules)
		}
		body := fmt.Sprintf("- Rule %d: keep functions in module %d small and named after what they return.\n", i, i%modules)
		writeFile(tb, filepath.Join(root, ".ai-rules", fmt.Sprintf("%02d-group", i%10), fmt.Sprintf("rule-%05d.md", i)),
			fmt.Sprintf("---\ndescription: Generated rule %d\npriority: %d\n%s\n---\n%s", i, i%100, fm, body))
	}
	return root
}

// percentiles reports p50 and p99 of ds in µs.
func percentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	at := func(q float64) float64 {
		i := int(q * float64(len(ds)-1))
		return float64(ds[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

func benchSession(b *testing.B, n int) (*editor, string) {
	root := genWorkspace(b, n)
	e := start(b, root, sessionOptions{caps: map[string]any{}, fastClient: true})
	e.rec.waitFor(b, 120*time.Second, "first index", func() bool { return len(e.rec.generations) > 0 })
	uri := e.uri("src/mod7/main.go")
	// Steady state: the index counts tokens in the background after its first
	// snapshot; measure after it settles, not against it.
	warm := time.Now().Add(time.Duration(n/5000+1) * time.Second)
	for time.Now().Before(warm) {
		var res wire.ContextResult
		if err := e.call("airules/context", map[string]any{"textDocument": map[string]any{"uri": uri}}, &res); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	return e, uri
}

func BenchmarkHover(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			e, uri := benchSession(b, n)
			params := map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": 0, "character": 0}}
			var h protocol.Hover
			if err := e.call("textDocument/hover", params, &h); err != nil || !strings.Contains(h.Contents.Value, "AI rules") {
				b.Fatalf("hover: %v %q", err, h.Contents.Value)
			}
			ds := make([]time.Duration, 0, b.N)
			var raw json.RawMessage
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if err := e.call("textDocument/hover", params, &raw); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			b.StopTimer()
			percentiles(b, ds)
		})
	}
}

func BenchmarkContext(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			e, uri := benchSession(b, n)
			params := map[string]any{"textDocument": map[string]any{"uri": uri}}
			var res wire.ContextResult
			if err := e.call("airules/context", params, &res); err != nil || len(res.Rules) == 0 {
				b.Fatalf("context: %v %d rules", err, len(res.Rules))
			}
			ds := make([]time.Duration, 0, b.N)
			var raw json.RawMessage
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				if err := e.call("airules/context", params, &raw); err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
			}
			b.StopTimer()
			b.ReportMetric(float64(len(res.Rules)), "rules-applied")
			percentiles(b, ds)
		})
	}
}

// BenchmarkEditDiagnostics measures an edit of an open rule buffer until its new
// diagnostics arrive.
func BenchmarkEditDiagnostics(b *testing.B) {
	e, _ := benchSession(b, 100)
	texts := []string{"---\ndescription: Bench\npriority: high\n---\nBody.\n", "---\ndescription: Bench\npriority: 5\n---\nBody.\n"}
	uri := e.open(".ai-rules/05-bench/edited.md", "markdown", texts[0])
	e.waitDiagnostics(uri, "first diagnostics", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR004") != nil })
	ds := make([]time.Duration, 0, b.N)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		bad := i%2 == 0
		t0 := time.Now()
		e.change(uri, i+1, texts[i%2])
		e.waitDiagnostics(uri, "diagnostics after an edit", func(ds []protocol.Diagnostic) bool { return (hasCode(ds, "AIR004") != nil) == bad })
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, ds)
}

// BenchmarkNewRuleFile measures writing a new rule file on disk until
// airules/indexChanged arrives, with the default watcher debounce.
func BenchmarkNewRuleFile(b *testing.B) {
	e, _ := benchSession(b, 100)
	dir := filepath.Join(e.root, ".ai-rules", "00-group") // watched since the start
	ds := make([]time.Duration, 0, b.N)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		g := lastGen(e)
		t0 := time.Now()
		writeFile(b, filepath.Join(dir, fmt.Sprintf("new-%d.md", i)), fmt.Sprintf("---\ndescription: New %d\nalwaysApply: true\n---\nBody %d.\n", i, i))
		e.rec.waitFor(b, 10*time.Second, "indexChanged", func() bool { return e.rec.generations[len(e.rec.generations)-1] > g })
		ds = append(ds, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, ds)
}
