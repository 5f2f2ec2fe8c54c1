package rules

import (
	"path"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestFileListMatch(t *testing.T) {
	fl := NewFileList([]string{"lib/a.ex", "lib/b_live.ex", "Makefile", "src/x.Makefile", "./docs/README.md", "lib/a.ex"})
	tests := []struct {
		glob string
		want []string
	}{
		{"*.ex", []string{"lib/a.ex", "lib/b_live.ex"}},
		{"*_live.ex", []string{"lib/b_live.ex"}},
		{"*file", []string{"Makefile", "src/x.Makefile"}},
		{"README.md", []string{"docs/README.md"}},
		{"lib/**", []string{"lib/a.ex", "lib/b_live.ex"}},
		{"!lib/*.ex", []string{"lib/a.ex", "lib/b_live.ex"}},
		{"{lib,docs}/*.{ex,md}", []string{"docs/README.md", "lib/a.ex", "lib/b_live.ex"}},
		{"nowhere/*", nil},
	}
	for _, tt := range tests {
		got, n := fl.Match(tt.glob, 0)
		if !slices.Equal(got, tt.want) || n != len(tt.want) {
			t.Errorf("Match(%q) = %v, %d; want %v", tt.glob, got, n, tt.want)
		}
		if fl.Any(tt.glob) != (len(tt.want) > 0) {
			t.Errorf("Any(%q) = %v", tt.glob, !(len(tt.want) > 0))
		}
	}
	if fl.Len() != 5 {
		t.Errorf("Len = %d, want 5 (duplicates folded)", fl.Len())
	}
}

// The list's ranges by base name and extension find what matching every file finds.
func TestFileListCandidatesLoseNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		part := rapid.SampledFrom([]string{"a", "b", "lib", "x.go", "a.go", "Makefile", "b.ex", "a.test.go", ".env", "README.md"})
		files := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) string {
			return strings.Join(rapid.SliceOfN(part, 1, 3).Draw(t, "parts"), "/")
		}), 0, 30).Draw(t, "files")
		glob := rapid.SampledFrom([]string{"*.go", "**/*.go", "a.go", "lib/**", "**/Makefile", "*file", "*.test.go",
			"a/x.go", "**/.env", "b/*", "*", "**/*.{go,ex}", "README.md", "lib/a.go"}).Draw(t, "glob")
		fl := NewFileList(files)
		var want []string
		for _, f := range fl.Files() {
			for _, p := range compileGlob(glob) {
				if p.matches(f, path.Base(f)) {
					want = append(want, f)
					break
				}
			}
		}
		got, n := fl.Match(glob, 0)
		if !slices.Equal(got, want) || n != len(want) || fl.Any(glob) != (len(want) > 0) {
			t.Fatalf("Match(%q) over %v = %v (%d), want %v", glob, fl.Files(), got, n, want)
		}
	})
}
