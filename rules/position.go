package rules

import (
	"strings"
	"unicode/utf8"
)

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		if c >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// runeColToUTF16 converts a 0-based rune column on line to UTF-16 code units.
func runeColToUTF16(line string, col int) int {
	n := 0
	for _, c := range line {
		if col <= 0 {
			break
		}
		col--
		if c >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n + max(col, 0)
}

// utf16ToByte converts a UTF-16 column on line to a byte offset.
func utf16ToByte(line string, col int) int {
	for i, c := range line {
		if col <= 0 {
			return i
		}
		if c >= 0x10000 {
			col -= 2
		} else {
			col--
		}
	}
	return len(line)
}

// ByteColumn converts a UTF-16 column on a line of text to a byte offset in the line;
// callers that edit text use it to apply a Range.
func ByteColumn(line string, col int) int { return utf16ToByte(line, col) }

// UTF16Column converts a byte offset within line to a UTF-16 column.
func UTF16Column(line string, b int) int {
	if b > len(line) {
		b = len(line)
	}
	for b > 0 && b < len(line) && !utf8.RuneStart(line[b]) {
		b--
	}
	return utf16Len(line[:b])
}

// Line breaks are \n, \r\n and a lone \r, as LSP counts them (and YAML): every line
// number this package reports, and the server's mapping of positions to offsets,
// follow this one definition.

// LineBreak returns the offset of the first line break in s and its length (2 for
// \r\n), or -1 and 0 when s has none.
func LineBreak(s string) (int, int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			return i, 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				return i, 2
			}
			return i, 1
		}
	}
	return -1, 0
}

// SplitLines splits s into its lines, without their breaks; a text ending in a break
// has an empty last line, as an editor shows it.
func SplitLines(s string) []string {
	out := make([]string, 0, strings.Count(s, "\n")+1)
	for {
		i, n := LineBreak(s)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+n:]
	}
}

// LineCount is the number of lines of s: len(SplitLines(s)).
func LineCount(s string) int {
	n := 1
	for {
		i, w := LineBreak(s)
		if i < 0 {
			return n
		}
		n++
		s = s[i+w:]
	}
}

// normalizeBreaks writes every line break as \n: line numbers and columns stay.
func normalizeBreaks(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
