package rules

import "unicode/utf8"

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
