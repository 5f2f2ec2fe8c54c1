package index

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestWarmStartEqualsColdStart: for every golden input of the diagnostics, a rule
// restored from the store has exactly the problems of the same rule parsed from its
// file (AIR007's position, for one, comes from ranges the store keeps).
func TestWarmStartEqualsColdStart(t *testing.T) {
	const diagDir = "../testdata/diagnostics"
	listing, err := os.ReadFile(filepath.Join(diagDir, "files.txt"))
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := filepath.Glob(filepath.Join(diagDir, "*.md"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	// A negation before the unmatched glob: ranges kept for positive globs only put
	// AIR007 at 0:0 after a warm start.
	inputs = append(inputs, write(t, t.TempDir(), "AIR007-after-negation.md",
		"---\ndescription: d\nglobs: [\"!x.go\", \"nope/**/*.rs\"]\n---\nbody\n"))
	root := t.TempDir()
	for _, f := range strings.Fields(string(listing)) {
		write(t, root, f, "")
	}
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		write(t, root, ".ai-rules/"+filepath.Base(in), string(data))
	}

	// Stamps taken right after a write are not trusted ("racy clean"): age the files so
	// the warm start restores every rule instead of parsing it again.
	old := time.Now().Add(-time.Hour)
	if err := filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) }); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "index.db")
	cold := reopen(t, root, db)
	coldProblems := cold.Snapshot().Problems
	if err := cold.Close(); err != nil {
		t.Fatal(err)
	}
	warm := reopen(t, root, db)
	if m := warm.Metrics(); m.WarmStartSkips != uint64(len(inputs)) {
		t.Fatalf("warm start restored %d of %d rules (parses %d)", m.WarmStartSkips, len(inputs), m.Parses)
	}
	warmProblems := warm.Snapshot().Problems
	for _, in := range inputs {
		p := filepath.Join(root, ".ai-rules", filepath.Base(in))
		if !reflect.DeepEqual(coldProblems[p], warmProblems[p]) {
			t.Errorf("%s:\ncold %+v\nwarm %+v", filepath.Base(in), coldProblems[p], warmProblems[p])
		}
		if code, _, _ := strings.Cut(filepath.Base(in), "-"); strings.HasPrefix(code, "AIR") && code != "AIR017" {
			found := false
			for _, pb := range warmProblems[p] {
				found = found || string(pb.Code) == code
			}
			if !found {
				t.Errorf("%s: warm start lost %s: %+v", filepath.Base(in), code, warmProblems[p])
			}
		}
	}
}
