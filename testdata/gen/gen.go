// Package gen writes synthetic workspaces of the shape users have, for the benchmarks:
// thousands of native rules of which every source file has hundreds that apply (broad
// globs such as **/*.go, or apps/*/lib/mod1/**, together with a language), so that the
// token budget, not the selection, decides what reaches the prompt. It is code, not
// files: the benchmarks generate what they need in a temporary folder.
package gen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Shape is what Workspace wrote.
type Shape struct {
	Root    string
	Rules   int
	Sources []string // workspace-relative slash paths of the source files
}

var langs = []struct{ ext, id string }{{".go", "go"}, {".ex", "elixir"}, {".ts", "typescript"}, {".py", "python"}}

// Workspace writes n rule files of about 1.9 KB under root/.ai-rules and 160 source
// files under root/apps. A source file has about 5 % of the rules applicable (500–600
// at n = 10,000). Files are aged an hour, so that warm starts trust their stamps. The
// same n gives the same workspace.
func Workspace(root string, n int) (Shape, error) {
	sh := Shape{Root: root, Rules: n}
	for a := range 4 {
		for m := range 10 {
			for _, l := range langs {
				rel := fmt.Sprintf("apps/app%d/lib/mod%d/file%s", a, m, l.ext)
				if err := write(root, rel, "x\n"); err != nil {
					return sh, err
				}
				sh.Sources = append(sh.Sources, rel)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	words := strings.Fields(`always prefer small functions with clear names document why not what
		validate input at the boundary return errors with context never panic in library code
		keep modules cohesive avoid global state write table driven tests name things after
		what they hold log with structure not prose handle every error path close what you open`)
	for i := range n {
		l := langs[rng.IntN(len(langs))]
		var globs string
		switch k := rng.IntN(100); {
		case k < 15: // every file of a language
			globs = fmt.Sprintf(`["**/*%s"]`, l.ext)
		case k < 75: // one module of every app
			globs = fmt.Sprintf(`["apps/*/lib/mod%d/**"]`, rng.IntN(10))
		default: // one file
			globs = fmt.Sprintf(`["apps/app%d/lib/mod%d/file%s"]`, rng.IntN(4), rng.IntN(10), l.ext)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "---\ndescription: Rule %d for %s code\npriority: %d\nscope: [language]\nlanguage: [%s]\nglobs: %s\n---\n\n# Rule %d\n\n",
			i, l.id, rng.IntN(101), l.id, globs, i)
		for b.Len() < 1900 {
			for range 12 {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
			b.WriteString(".\n")
		}
		rel := fmt.Sprintf(".ai-rules/%02d-area/group%03d/rule%05d.md", i/50%5*10, i/50, i)
		if err := write(root, rel, b.String()); err != nil {
			return sh, err
		}
	}
	old := time.Now().Add(-time.Hour)
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	return sh, err
}

func write(root, rel, content string) error {
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(content), 0o644)
}
