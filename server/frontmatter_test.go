package server

import (
	"slices"
	"testing"
)

func TestValueItems(t *testing.T) {
	texts := func(line string, col int) []string {
		var out []string
		for _, it := range valueItems(line, col) {
			out = append(out, it.text)
		}
		return out
	}
	for _, tc := range []struct {
		line string
		col  int
		want []string
	}{
		{`globs: ["a/**", 'b', c]`, 6, []string{"a/**", "b", "c"}},
		{`globs: *.ts, *.tsx # comment`, 6, []string{"*.ts", "*.tsx"}},
		{`globs: "{lib,priv}/**/*.{ex,exs}"`, 6, []string{"{lib,priv}/**/*.{ex,exs}"}},
		{`globs: {lib,priv}/**, x`, 6, []string{"{lib,priv}/**", "x"}},
		{`  - "lib/**"`, 3, []string{"lib/**"}},
		{`language: [eli`, 9, []string{"eli"}},
		{`description: "unclosed`, 12, []string{"unclosed"}},
	} {
		if got := texts(tc.line, tc.col); !slices.Equal(got, tc.want) {
			t.Errorf("valueItems(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
