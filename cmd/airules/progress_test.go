package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }

	var quick bytes.Buffer
	p := newProgressLine(&quick, clock, time.Second)
	p.report(64, 128)
	now = now.Add(2 * time.Second)
	p.report(128, 128) // done: no line for work that is over
	p.finish()
	if quick.Len() != 0 {
		t.Errorf("a run over before the delay printed %q", quick.String())
	}

	var slow bytes.Buffer
	p = newProgressLine(&slow, clock, time.Second)
	p.report(64, 1000)
	if slow.Len() != 0 {
		t.Errorf("progress before the delay: %q", slow.String())
	}
	now = now.Add(1500 * time.Millisecond)
	p.report(128, 1000)
	line := slow.String()
	if !strings.Contains(line, "indexing rule files") || !strings.Contains(line, "128/1000") || strings.Contains(line, "\n") {
		t.Errorf("progress line %q", line)
	}
	p.finish()
	rest := slow.String()[len(line):]
	// Cleared: back to the line's start, blanks over it, back again.
	if !strings.HasPrefix(rest, "\r") || !strings.HasSuffix(rest, "\r") || strings.Trim(rest, "\r ") != "" || utf8.RuneCountInString(rest) < utf8.RuneCountInString(line) {
		t.Errorf("finish did not clear the line: %q", rest)
	}
}
