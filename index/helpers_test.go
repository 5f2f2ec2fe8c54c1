package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// write creates a file below dir with its folders.
func write(t testing.TB, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func ruleText(desc string, globs ...string) string {
	var b strings.Builder
	b.WriteString("---\ndescription: " + desc + "\n")
	if len(globs) > 0 {
		b.WriteString("globs: [")
		for i, g := range globs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + g + `"`)
		}
		b.WriteString("]\n")
	}
	b.WriteString("---\n\nDo the thing for " + desc + ".\n")
	return b.String()
}

func testLogger(t testing.TB) *zap.Logger {
	if tt, ok := t.(*testing.T); ok {
		return zaptest.NewLogger(tt, zaptest.Level(zap.WarnLevel))
	}
	return zap.NewNop()
}

func open(t testing.TB, opt Options) *Index {
	t.Helper()
	if opt.DBPath == "" {
		opt.DBPath = ":memory:"
	}
	if opt.Logger == nil {
		opt.Logger = testLogger(t)
	}
	ix, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ids(s *Snapshot) []string {
	var out []string
	for _, r := range s.Rules.Rules() {
		out = append(out, r.ID)
	}
	return out
}
