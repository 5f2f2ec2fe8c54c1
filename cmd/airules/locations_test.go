package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lint on a path that is no rule location says where rules are read from and exits 2;
// an empty rule folder is a location (nothing to lint, exit 0).
func TestLintNotARuleLocation(t *testing.T) {
	root := t.TempDir()
	for rel, text := range map[string]string{
		".git/HEAD":            "ref: refs/heads/main\n",
		"src/main.go":          "package main\n",
		".claude/rules/api.md": "---\npaths: [\"src/**\"]\n---\nAPI rules.\n",
	} {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, ".kiro", "steering"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		arg  string
		code int
		want string
	}{
		{"src", 2, ".claude/rules/**/*.md"},
		{"src/main.go", 2, "**/AGENTS.md"},
		{".claude/rules", 0, "1 rule file, no problems"},
		{".kiro/steering", 0, "0 rule files, no problems"},
	} {
		code, _, errs := runCLI(t, "lint", "--root", root, "--no-cache", filepath.Join(root, tc.arg))
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("lint %s: exit %d, stderr:\n%s\nwant exit %d and %q", tc.arg, code, errs, tc.code, tc.want)
		}
	}
}
