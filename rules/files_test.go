package rules

import (
	"slices"
	"testing"
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
