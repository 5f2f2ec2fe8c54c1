package rules

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const diagDir = "../testdata/diagnostics"

// formatProblems renders problems the way the golden files hold them: 1-based
// line:column ranges in UTF-16 units, like `airules lint`.
func formatProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%d:%d-%d:%d %s %s %s\n", p.Range.Start.Line+1, p.Range.Start.Column+1,
			p.Range.End.Line+1, p.Range.End.Column+1, p.Severity, p.Code, p.Message)
		if p.Fix != nil {
			for _, e := range p.Fix.Edits {
				fmt.Fprintf(&b, "  fix %q: %d:%d-%d:%d => %q\n", p.Fix.Title, e.Range.Start.Line+1, e.Range.Start.Column+1,
					e.Range.End.Line+1, e.Range.End.Column+1, e.NewText)
			}
		}
	}
	return b.String()
}

func TestGoldenDiagnostics(t *testing.T) {
	listing, err := os.ReadFile(filepath.Join(diagDir, "files.txt"))
	if err != nil {
		t.Fatal(err)
	}
	files := NewFileList(strings.Fields(string(listing)))
	inputs, err := filepath.Glob(filepath.Join(diagDir, "*.md"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in %s: %v", diagDir, err)
	}
	seen := map[Code]bool{}
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			r := Parse(Source{Path: in, ID: strings.TrimSuffix(name, ".md"), Layer: LayerProject, Format: FormatAirules}, data)
			ps := WithUnmatchedGlobs(r, func(g string) bool { return !files.Any(g) })
			got := formatProblems(ps)
			golden := strings.TrimSuffix(in, ".md") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./rules -run TestGoldenDiagnostics -update)", err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
			// A file named after a code must produce that code.
			if code, _, ok := strings.Cut(name, "-"); ok && strings.HasPrefix(code, "AIR") {
				found := false
				for _, p := range ps {
					found = found || string(p.Code) == code
				}
				if !found {
					t.Errorf("%s does not produce %s", name, code)
				}
			}
			for _, p := range ps {
				seen[p.Code] = true
			}
		})
	}
	seen[CodeTooLarge] = true   // a 1 MiB file is made in TestParseEdgeCases, not kept in the repo
	seen[CodeUnreadable] = true // a read failure, not a content: index's TestUnreadableRules
	for _, c := range []Code{CodeTeamStatus, CodeTeamSecret, CodeTeamConfig, CodeTeamEnforced} {
		seen[c] = true // the team source's, tested in index against a real NATS server
	}
	for c := range formatCodes(t) {
		seen[c] = true // the per-format fixtures under testdata/formats
	}
	for _, c := range Codes {
		if !seen[c.Code] {
			t.Errorf("no golden file exercises %s", c.Code)
		}
	}
}
