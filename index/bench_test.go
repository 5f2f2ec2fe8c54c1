package index

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/testdata/gen"
)

var benchSizes = []int{1_000, 10_000}

// genWorkspace writes n rule files of ~1.5 KB with 1–3 globs into n/50 folders, plus
// n/10 source files (in 70 folders) some of the globs match. With 10,000 rules a file
// under lib/ matches ~30 of them.
func genWorkspace(tb testing.TB, n int) string {
	root := tb.TempDir()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	areas := []string{"accounts", "billing", "web", "live", "workers", "auth", "search", "admin", "api", "core"}
	exts := []string{".ex", ".exs", ".ts", ".tsx", ".go", ".py", ".md", ".heex"}
	para := strings.Repeat("Prefer small functions with clear names; document why, not what. ", 3) + "\n\n"
	for i := range n / 10 {
		area := areas[i%len(areas)]
		write(tb, root, fmt.Sprintf("lib/%s/mod%d/file%d%s", area, i%7, i, exts[i%len(exts)]), "x")
	}
	old := time.Now().Add(-time.Hour)
	for i := range n {
		area := areas[rng.IntN(len(areas))]
		var globs []string
		for range 1 + rng.IntN(3) {
			// Mostly narrow globs, as real rules are; 1 in 100 is a broad **/*.ext that
			// applies to every file of a kind.
			switch k := rng.IntN(100); {
			case k < 1:
				globs = append(globs, "**/*"+exts[rng.IntN(len(exts))])
			case k < 31:
				globs = append(globs, fmt.Sprintf("lib/%s/mod%d/**/*%s", area, rng.IntN(50), exts[rng.IntN(len(exts))]))
			case k < 51:
				globs = append(globs, fmt.Sprintf("test/%s/*_test.exs", area))
			case k < 71:
				globs = append(globs, fmt.Sprintf("lib/%s/mod%d/**", area, rng.IntN(200)))
			case k < 86:
				globs = append(globs, fmt.Sprintf("%s_%d.ex", area, rng.IntN(500))) // a base name
			case k < 90:
				globs = append(globs, fmt.Sprintf("*_%s_%d.ex", area, rng.IntN(500))) // a suffix
			default:
				globs = append(globs, fmt.Sprintf("src/{%s,%s}/*.go", area, areas[rng.IntN(len(areas))]))
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "---\ndescription: Rule %d for %s code\nversion: \"1.%d\"\npriority: %d\nscope: [project]\nglobs: [", i, area, i%10, rng.IntN(100))
		for j, g := range globs {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", g)
		}
		// Each body is its own: identical ones would be omitted as duplicates.
		fmt.Fprintf(&b, "]\ntags: [generated]\n---\n\n# Rule %d\n\n", i)
		for b.Len() < 1500 {
			b.WriteString(para)
		}
		// 50 rules a folder: 10,000 rules in 200 folders, like a real tree.
		g := i / 50
		p := write(tb, root, fmt.Sprintf(".ai-rules/%02d-%s/group%03d/rule%05d.md", g%5*10, areas[g%len(areas)], g, i), b.String())
		os.Chtimes(p, old, old) // not "racy clean": warm starts trust the stamps
	}
	return root
}

var benchRoots = map[int]string{}

func benchRoot(b *testing.B, n int) string {
	if r, ok := benchRoots[n]; ok {
		if _, err := os.Stat(r); err == nil {
			return r
		}
	}
	// Generated once per size for all benchmarks: MkdirTemp, removed at process exit
	// by the OS tmp cleaner at worst; it is removed by TestMain below.
	r := genWorkspaceShared(b, n)
	benchRoots[n] = r
	return r
}

func genWorkspaceShared(b *testing.B, n int) string {
	dir, err := os.MkdirTemp("", "airules-bench-")
	if err != nil {
		b.Fatal(err)
	}
	benchTemps = append(benchTemps, dir)
	tb := &tempTB{TB: b, dir: dir}
	return genWorkspace(tb, n)
}

var benchTemps []string

// tempTB hands out one shared temp dir instead of a per-benchmark one.
type tempTB struct {
	testing.TB
	dir string
}

func (t *tempTB) TempDir() string { return t.dir }

func TestMain(m *testing.M) {
	if os.Getenv(countWorkerEnv) == "1" { // this binary as a CountWorker's worker
		var out io.Writer = os.Stdout
		if fifo := os.Getenv(countWorkerHoldEnv); fifo != "" {
			out = &heldWriter{fifo: fifo, w: os.Stdout}
		}
		if err := ServeTokenCounts(os.Stdin, out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	for _, d := range benchTemps {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func benchOpen(b *testing.B, root, db string) *Index {
	ix, err := Open(context.Background(), Options{Root: root, DBPath: db})
	if err != nil {
		b.Fatal(err)
	}
	return ix
}

func BenchmarkColdIndex(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := benchRoot(b, n)
			dir := b.TempDir()
			i := 0
			var cpu time.Duration
			for b.Loop() {
				i++
				c := cpuTime()
				ix := benchOpen(b, root, filepath.Join(dir, fmt.Sprint(i), "index.db"))
				b.StopTimer()
				cpu += cpuTime() - c
				if ix.Metrics().Parses != uint64(n) {
					b.Fatalf("parses %d", ix.Metrics().Parses)
				}
				ix.Close()
				os.RemoveAll(filepath.Join(dir, fmt.Sprint(i)))
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/open")
		})
	}
}

func BenchmarkWarmStart(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := benchRoot(b, n)
			db := filepath.Join(b.TempDir(), "index.db")
			benchOpen(b, root, db).Close()
			var cpu time.Duration
			for b.Loop() {
				c := cpuTime()
				ix := benchOpen(b, root, db)
				b.StopTimer()
				cpu += cpuTime() - c
				if m := ix.Metrics(); m.Parses != 0 || m.WarmStartSkips != uint64(n) {
					b.Fatalf("metrics %+v", m)
				}
				ix.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/open")
		})
	}
}

func BenchmarkReindexOneFile(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := benchRoot(b, n)
			ix := benchOpen(b, root, filepath.Join(b.TempDir(), "index.db"))
			defer ix.Close()
			p := filepath.Join(root, ".ai-rules/00-accounts/group000/rule_edit.md")
			defer os.Remove(p)
			write(b, root, ".ai-rules/00-accounts/group000/rule_edit.md", ruleText("edit", "lib/web/**/*.ex"))
			ix.Reindex(context.Background(), "bench", p)
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				write(b, root, ".ai-rules/00-accounts/group000/rule_edit.md", ruleText(fmt.Sprint("edit ", i), "lib/web/**/*.ex"))
				b.StartTimer()
				ch, err := ix.Reindex(context.Background(), "bench", p)
				if err != nil || len(ch.Updated) != 1 {
					b.Fatalf("change %+v %v", ch, err)
				}
			}
		})
	}
}

func BenchmarkContext(b *testing.B) {
	n := 10_000
	root := benchRoot(b, n)
	ix := benchOpen(b, root, ":memory:")
	defer ix.Close()
	s := ix.Snapshot()
	paths := make([]string, 1<<16)
	for i := range paths {
		paths[i] = fmt.Sprintf("lib/web/mod%d/deep/file%d.ex", i%9, i)
	}
	b.Run("miss", func(b *testing.B) {
		i, applied := 0, 0
		for b.Loop() {
			applied += len(s.Context(paths[i&(len(paths)-1)], "", nil, 0).Rules)
			i++
		}
		b.ReportMetric(float64(applied)/float64(i), "applied/op")
	})
	b.Run("hit", func(b *testing.B) {
		s.Context("lib/web/mod1/page.ex", "elixir", nil, 0)
		for b.Loop() {
			s.Context("lib/web/mod1/page.ex", "elixir", nil, 0)
		}
	})
}

func BenchmarkMemory(b *testing.B) {
	n := 10_000
	root := benchRoot(b, n)
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix := benchOpen(b, root, filepath.Join(b.TempDir(), "index.db"))
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heapMB")
		ix.Close()
	}
}

// BenchmarkReindexCreateFile adds and removes a rule file: the workspace file list
// changes too, so every glob's match count is updated against the delta.
func BenchmarkReindexCreateFile(b *testing.B) {
	n := 10_000
	root := benchRoot(b, n)
	ix := benchOpen(b, root, filepath.Join(b.TempDir(), "index.db"))
	defer ix.Close()
	p := filepath.Join(root, ".ai-rules/00-accounts/group000/rule_new.md")
	defer os.Remove(p)
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		if i%2 == 1 {
			write(b, root, ".ai-rules/00-accounts/group000/rule_new.md", ruleText("new", "lib/web/**/*.ex"))
		} else {
			os.Remove(p)
		}
		b.StartTimer()
		if _, err := ix.Reindex(context.Background(), "bench", p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContextShape is one airules/context miss on the workspace shape of
// testdata/gen (10,000 rules, ~540 applicable per file) with every count known, as a
// warm server has them: selection, budget and rendering, without the cache.
func BenchmarkContextShape(b *testing.B) {
	sh, err := gen.Workspace(filepath.Join(b.TempDir(), "ws"), 10_000)
	if err != nil {
		b.Fatal(err)
	}
	ix := benchOpen(b, sh.Root, ":memory:")
	defer ix.Close()
	s := ix.Snapshot()
	for _, r := range s.Rules.Rules() {
		r.Tokens()
	}
	i, included := 0, 0
	for b.Loop() {
		rel := sh.Sources[i%len(sh.Sources)]
		c := rules.Budget(s.Rules.Select(rel, ""), 8000)
		included += len(c.Rules)
		i++
	}
	b.ReportMetric(float64(included)/float64(i), "included/op")
}

// countedShape writes the workspace shape of testdata/gen at 10,000 rules and a
// database of it with every count stored, as a warm server finds them.
func countedShape(b *testing.B) (gen.Shape, string) {
	sh, err := gen.Workspace(filepath.Join(b.TempDir(), "ws"), 10_000)
	if err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(b.TempDir(), "index.db")
	ix := benchOpen(b, sh.Root, db)
	for _, r := range ix.Snapshot().Rules.Rules() {
		r.Tokens()
	}
	ix.Close() // stores the counts
	return sh, db
}

// BenchmarkContextMiss is what a server computes for an airules/context it has no
// answer for, on the workspace shape of testdata/gen with every count stored: the
// select, budget and rendering of Snapshot.ContextFor, uncached and in reused memory,
// over the 160 source files in turn (each file's rule bodies read once, as a server
// reads them).
func BenchmarkContextMiss(b *testing.B) {
	sh, db := countedShape(b)
	ix := benchOpen(b, sh.Root, db)
	defer ix.Close()
	s := ix.Snapshot()
	var u rules.Reuse
	i := 0
	for b.Loop() {
		s.ContextFor(Query{Rel: sh.Sources[i%len(sh.Sources)], MaxTokens: 8000, Uncached: true, Reuse: &u})
		i++
	}
}

// BenchmarkContextShapeWarm is the first airules/context of each source file after a
// warm start (restored rules, bodies not read yet, counts stored), as a server's misses
// are: ns/op is per file.
func BenchmarkContextShapeWarm(b *testing.B) {
	sh, db := countedShape(b)
	files := 0
	for b.Loop() {
		b.StopTimer()
		ix := benchOpen(b, sh.Root, db)
		s := ix.Snapshot()
		b.StartTimer()
		for _, rel := range sh.Sources {
			s.Context(rel, "", nil, 8000)
			files++
		}
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(files), "ns/file")
}
