package rules

import (
	"strings"
	"testing"
)

func TestCountTokens(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
	}{
		{"", 0, 0},
		{"hello world", 2, 2},
		{strings.Repeat("word ", 100), 100, 101},
		// A long whitespace run is counted exactly (TestCountTokensIsExact compares with
		// the library), in linear time: the library's own regexp backtracks over it.
		{"a" + strings.Repeat(" \n", 5000) + "b", 5002, 5002},
		{strings.Repeat(" ", 200) + "x", 3, 3},
		// Not UTF-8: the library's split, a long whitespace run charged per byte.
		{"\xff" + strings.Repeat(" \n", 5000) + "b", 10000, 10003},
	}
	for _, tt := range tests {
		if n := CountTokens(tt.in); n < tt.min || n > tt.max {
			t.Errorf("CountTokens(%.20q…) = %d, want %d..%d", tt.in, n, tt.min, tt.max)
		}
	}
}

// The heading counts Budget knows are the tokenizer's.
func TestHeadingTokens(t *testing.T) {
	if len(headingTokens) != len(scopeOrder) {
		t.Fatalf("%d heading counts for %d scopes", len(headingTokens), len(scopeOrder))
	}
	for _, s := range scopeOrder {
		if got, want := headingTokens[s], CountTokens(scopeHeading(s)); got != want {
			t.Errorf("heading of %s: %d tokens known, the tokenizer counts %d", s, got, want)
		}
	}
}
