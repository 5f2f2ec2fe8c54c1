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
		// A long whitespace run is charged per byte: more than its real count, never less.
		{"a" + strings.Repeat(" \n", 5000) + "b", 10000, 10002},
		{strings.Repeat(" ", 200) + "x", 1, 201},
	}
	for _, tt := range tests {
		if n := CountTokens(tt.in); n < tt.min || n > tt.max {
			t.Errorf("CountTokens(%.20q…) = %d, want %d..%d", tt.in, n, tt.min, tt.max)
		}
	}
}
