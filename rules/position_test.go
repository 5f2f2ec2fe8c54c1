package rules

import (
	"slices"
	"testing"
)

func TestLineBreaks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", []string{""}},
		{"a", []string{"a"}},
		{"a\n", []string{"a", ""}},
		{"a\r\nb", []string{"a", "b"}},
		{"a\rb", []string{"a", "b"}},
		{"a\r\r\nb\n\rc", []string{"a", "", "b", "", "c"}},
		{"\r\r\r", []string{"", "", "", ""}},
	} {
		got := SplitLines(tc.in)
		if !slices.Equal(got, tc.want) || LineCount(tc.in) != len(tc.want) {
			t.Errorf("SplitLines(%q) = %q (count %d), want %q", tc.in, got, LineCount(tc.in), tc.want)
		}
		if norm := normalizeBreaks(tc.in); !slices.Equal(SplitLines(norm), tc.want) {
			t.Errorf("normalizeBreaks(%q) = %q changes the lines", tc.in, norm)
		}
	}
}

// TestLoneCRPositions is the fuzz crasher "---\n\r\r\r0\n---": yaml.v3 breaks lines at a
// lone CR, the parser did not, and AIR004 came at a line the file did not have.
func TestLoneCRPositions(t *testing.T) {
	src := "---\n\r\r\r0\n---"
	r := Parse(Source{Path: "/f.md", ID: "f", Format: FormatAirules}, []byte(src))
	lines := SplitLines(src)
	found := false
	for _, p := range r.Problems {
		if p.Range.End.Line >= len(lines) {
			t.Errorf("%s at line %d of a %d-line file", p.Code, p.Range.End.Line, len(lines))
		}
		if p.Code == CodeWrongType {
			found = true
			if lines[p.Range.Start.Line] != "0" {
				t.Errorf("AIR004 at line %d (%q), want the line of 0", p.Range.Start.Line, lines[p.Range.Start.Line])
			}
		}
	}
	if !found {
		t.Errorf("problems %+v, want AIR004", r.Problems)
	}
}
