package server

import (
	"testing"

	"go.lsp.dev/protocol"
)

func TestApplyEdit(t *testing.T) {
	for _, tc := range []struct {
		text       string
		start, end protocol.Position
		newText    string
		want       string
	}{
		{"ab\ncd\n", pos(1, 1), pos(1, 1), "X", "ab\ncXd\n"},
		{"a😀b\n", pos(0, 3), pos(0, 4), "", "a😀\n"},                   // the emoji is two UTF-16 units
		{"ab\r\ncd", pos(0, 5), pos(1, 0), "", "abcd"},                // past the end of a line: its end (CR kept out)
		{"ab", pos(5, 0), pos(5, 0), "!", "ab!"},                      // past the last line: the end
		{"é\nx", pos(0, 0), pos(1, 1), "y", "y"},                      // across lines
		{"---\nkey: v\n", pos(1, 5), pos(1, 6), "w", "---\nkey: w\n"}, // plain
		{"ab\rcd", pos(1, 1), pos(1, 1), "X", "ab\rcXd"},              // a lone CR ends a line, as LSP says
	} {
		got, err := applyEdit(tc.text, protocol.Range{Start: tc.start, End: tc.end}, tc.newText)
		if err != nil || got != tc.want {
			t.Errorf("applyEdit(%q, %v-%v, %q) = %q, %v; want %q", tc.text, tc.start, tc.end, tc.newText, got, err, tc.want)
		}
	}
	if _, err := applyEdit("abc", protocol.Range{Start: pos(0, 2), End: pos(0, 1)}, ""); err == nil {
		t.Error("a reversed range was accepted")
	}
}
