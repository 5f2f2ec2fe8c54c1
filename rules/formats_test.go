package rules

import (
	"io/fs"
	"os"

	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const formatsDir = "../testdata/formats"

// fixture is one format's example workspace under testdata/formats/<format>/, read the
// way an index reads it: classified by path, parsed by its format, imports inlined,
// dependency rules decided by the manifests.
type fixture struct {
	dir      string
	rules    []*Rule
	problems map[string][]Problem // by workspace-relative path
	cfg      Config               // from .ai-rules/config.yaml, when there is one
}

func loadFixture(t *testing.T, dir string) *fixture {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{dir: abs, problems: map[string][]Problem{}}
	read := func(name string) []byte {
		b, _ := os.ReadFile(filepath.Join(abs, name))
		return b
	}
	var mix MixProject
	if b := read("mix.exs"); b != nil {
		mix = ParseMix(b)
	}
	policy := NewDependencyPolicy(mix, ParsePackageJSON(read("package.json")), nil)
	_, cursorErr := os.Stat(filepath.Join(abs, ".cursor", "rules"))
	if b := read(DefaultRulesDir + "/" + ConfigFile); b != nil {
		fx.cfg = ParseConfig(b)
		fx.problems[DefaultRulesDir+"/"+ConfigFile] = fx.cfg.Problems
	}
	err = filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, abs+string(filepath.Separator)))
		c, ok := Classify(rel, "")
		if !ok || !fx.cfg.FormatOn(c.Format) || fx.cfg.Excluded(rel) {
			return nil
		}
		eco := EcoHex
		if strings.HasPrefix(rel, "node_modules/") {
			eco = EcoNPM
		}
		if c.Format == FormatDependency && (!policy.Declares(eco, c.Package) || !fx.cfg.DependencyOn(eco, c.Package)) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		src := c.Source(p)
		if c.Format == FormatDependency {
			src.Ecosystem, src.OptedIn = eco, policy.OptedIn(eco, c.Package, c.Sub)
		}
		r := Parse(src, data)
		switch c.Format {
		case FormatClaude, FormatGemini:
			InlineImports(r, rel, os.DirFS(abs), filepath.ToSlash(abs))
		case FormatCursorLegacy:
			if cursorErr == nil {
				r.Problems = append(r.Problems, CursorLegacyBeside())
			}
		}
		fx.rules = append(fx.rules, r)
		fx.problems[rel] = r.Problems
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// TestFormats checks every format fixture: its golden diagnostics, and its
// applicability table applies.txt, whose lines read
//
//	<target path> [<content file>] => <ids applied, in order> [; not <ids>] [; available <ids>]
func TestFormats(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(formatsDir, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures in %s: %v", formatsDir, err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fx := loadFixture(t, dir)
			checkFormatGolden(t, fx)
			checkApplies(t, fx)
		})
	}
}

func checkFormatGolden(t *testing.T, fx *fixture) {
	var rels []string
	for rel := range fx.problems {
		rels = append(rels, rel)
	}
	sort.Strings(rels)
	var b strings.Builder
	for _, rel := range rels {
		b.WriteString("== " + rel + "\n")
		b.WriteString(formatProblems(fx.problems[rel]))
	}
	got := b.String()
	golden := filepath.Join(fx.dir, "diagnostics.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./rules -run TestFormats -update)", err)
	}
	if got != string(want) {
		t.Errorf("diagnostics differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
	}
}

func checkApplies(t *testing.T, fx *fixture) {
	table, err := os.ReadFile(filepath.Join(fx.dir, "applies.txt"))
	if err != nil {
		t.Fatal(err)
	}
	set := NewSet(fx.rules, SetOptions{Disabled: fx.cfg.DisabledRules, Layers: fx.cfg.Layers})
	n := 0
	for _, line := range strings.Split(string(table), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		target, rest, ok := strings.Cut(line, "=>")
		if !ok {
			t.Fatalf("applies.txt: no => in %q", line)
		}
		fields := strings.Fields(target)
		var content []byte
		if len(fields) > 1 {
			if content, err = os.ReadFile(filepath.Join(fx.dir, fields[1])); err != nil {
				t.Fatal(err)
			}
		}
		sel := set.SelectContent(fields[0], "", content)
		parts := strings.Split(rest, ";")
		want := strings.Fields(parts[0])
		if got := ids(sel.Applied); !slices.Equal(got, want) {
			t.Errorf("%s: applied %v, want %v", fields[0], got, want)
		}
		for _, p := range parts[1:] {
			p = strings.TrimSpace(p)
			switch {
			case strings.HasPrefix(p, "not "):
				for _, id := range strings.Fields(p[4:]) {
					if slices.Contains(ids(sel.Applied), id) {
						t.Errorf("%s: %s applies, it must not", fields[0], id)
					}
				}
			case strings.HasPrefix(p, "available"):
				var got []string
				for _, r := range sel.Available {
					got = append(got, r.ID)
				}
				if w := strings.Fields(p[len("available"):]); !slices.Equal(got, w) {
					t.Errorf("%s: available %v, want %v", fields[0], got, w)
				}
			default:
				t.Fatalf("applies.txt: unknown part %q", p)
			}
		}
	}
	if n == 0 {
		t.Fatal("applies.txt has no lines")
	}
}

// formatCodes are the codes the format fixtures produce, for TestGoldenDiagnostics'
// check that every code has a golden file.
func formatCodes(t *testing.T) map[Code]bool {
	seen := map[Code]bool{}
	dirs, _ := filepath.Glob(filepath.Join(formatsDir, "*"))
	for _, dir := range dirs {
		for _, ps := range loadFixture(t, dir).problems {
			for _, p := range ps {
				seen[p.Code] = true
			}
		}
	}
	return seen
}
