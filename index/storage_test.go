package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIRunsKeepTheDatabaseSmall is row 7 of the hostile-repository table: short runs
// (CLI, git hooks) that each edit a rule used to grow the file by a version of every
// edited rule per run, buntdb's own shrinking coming a second after open, after they
// exit. Now the file never exceeds twice what it holds by more than one run's writes.
func TestCLIRunsKeepTheDatabaseSmall(t *testing.T) {
	root := t.TempDir()
	body := strings.Repeat("- a rule line that makes the record large enough to count\n", 40)
	for i := range 40 {
		write(t, root, ".ai-rules/r"+string(rune('a'+i%26))+string(rune('a'+i/26))+".md", ruleText("rule")+body)
	}
	db := filepath.Join(t.TempDir(), "index.db")
	var sizes []int64
	for run := range 40 {
		for i := range 40 { // every run edits every rule: a new version of each record
			write(t, root, ".ai-rules/r"+string(rune('a'+i%26))+string(rune('a'+i/26))+".md",
				ruleText("rule "+string(rune('a'+run%26)))+body+strings.Repeat("x", run))
		}
		ix := reopen(t, root, db)
		live := ix.st.liveSize()
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, st.Size())
		if st.Size() > 2*live+compactMinSize {
			t.Fatalf("run %d: file %d bytes for %d live: sizes %v", run, st.Size(), live, sizes)
		}
	}
	// The database still opens warm and whole after compaction.
	ix := reopen(t, root, db)
	defer ix.Close()
	if m := ix.Metrics(); m.Rules != 40 || m.Parses != 0 || m.InMemory {
		t.Errorf("after compaction: %+v", m)
	}
	if _, err := os.Stat(db + ".compact"); !os.IsNotExist(err) {
		t.Errorf("the compaction left its file: %v", err)
	}
}

// TestCachePathNotAFile is row 8: a database path that is a FIFO (or a link to one, a
// folder, a device) falls back to memory at once instead of blocking in buntdb.
func TestCachePathNotAFile(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T, db string){
		"FIFO":         func(t *testing.T, db string) { mkfifo(t, db) },
		"link to FIFO": func(t *testing.T, db string) { mkfifo(t, db+".fifo"); symlink(t, db+".fifo", db) },
		"folder":       func(t *testing.T, db string) { os.Mkdir(db, 0o700) },
		"device":       func(t *testing.T, db string) { symlink(t, "/dev/null", db) },
		"FIFO lock":    func(t *testing.T, db string) { mkfifo(t, db+".lock") },
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, ".ai-rules/a.md", ruleText("a"))
			db := filepath.Join(t.TempDir(), "index.db")
			setup(t, db)
			var ix *Index
			var err error
			within(t, "Open", func() { ix, err = Open(context.Background(), Options{Root: root, DBPath: db, Logger: testLogger(t)}) })
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if m := ix.Metrics(); !m.InMemory || m.Rules != 1 {
				t.Errorf("metrics %+v", m)
			}
		})
	}
}
