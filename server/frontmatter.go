package server

import (
	"regexp"
	"strings"
)

// A line-level view of a rule file's frontmatter, for hover, completion and symbols in
// the buffer being edited. It is deliberately not a YAML parser: the buffer is often
// invalid mid-edit, and what an editor needs is "which key owns this line, and which
// value is under the cursor". Keys sit at column 0; `- item` lines and continuation
// lines belong to the last key above them.

var keyLine = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:`)

// fmKey is one top-level key of the frontmatter.
type fmKey struct {
	name     string
	line     int // the key's line
	lastLine int // the last line of its value (list items below it)
	valueCol int // byte offset of the value on the key line
}

// frontmatter is where the block is and which keys it holds.
type frontmatter struct {
	open, close int // lines of the --- fences; close is len(lines) when unclosed
	keys        []fmKey
}

// scanFrontmatter finds the frontmatter of lines; ok is false when the file has none.
func scanFrontmatter(lines []string) (fm frontmatter, ok bool) {
	first := 0
	for first < len(lines) && strings.TrimSpace(lines[first]) == "" {
		first++
	}
	if first >= len(lines) || strings.TrimSpace(lines[first]) != "---" {
		return fm, false
	}
	fm.open, fm.close = first, len(lines)
	for i := first + 1; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimRight(l, " \t") == "---" {
			fm.close = i
			break
		}
		if m := keyLine.FindStringSubmatchIndex(l); m != nil {
			fm.keys = append(fm.keys, fmKey{name: l[m[2]:m[3]], line: i, lastLine: i, valueCol: m[1]})
			continue
		}
		if n := len(fm.keys); n > 0 && strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "#") {
			fm.keys[n-1].lastLine = i
		}
	}
	return fm, true
}

// inside reports whether line is between the fences.
func (fm frontmatter) inside(line int) bool { return line > fm.open && line < fm.close }

// owner returns the key whose value spans line, or nil.
func (fm frontmatter) owner(line int) *fmKey {
	var best *fmKey
	for i := range fm.keys {
		k := &fm.keys[i]
		if k.line > line {
			break
		}
		best = k
	}
	if best == nil {
		return nil
	}
	if line > best.lastLine {
		// A blank or list line after the last value line still belongs to the key when
		// it is indented or a list item: the user is typing it.
		return best
	}
	return best
}

// has reports whether the key is present.
func (fm frontmatter) has(name string) bool {
	for _, k := range fm.keys {
		if k.name == name {
			return true
		}
	}
	return false
}

// valueItem is one scalar of a value: `a` in `[a, "b"]`, or the whole plain value.
type valueItem struct {
	text       string // unquoted
	start, end int    // byte span on the line, quotes included
}

// valueItems splits the value part of a line (from byte col on) into its scalars:
// flow lists, comma-separated globs, quoted and plain strings; a comment ends it.
func valueItems(line string, col int) []valueItem {
	var out []valueItem
	i := col
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == ',' || c == '[' || c == ']':
			i++
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return out
		case c == '-' && len(out) == 0 && i+1 < len(line) && line[i+1] == ' ' && strings.TrimSpace(line[:i]) == "":
			i++ // a list item's dash
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(line) && line[j] != c {
				if line[j] == '\\' && c == '"' {
					j++
				}
				j++
			}
			end := min(j+1, len(line))
			out = append(out, valueItem{text: line[i+1 : min(j, len(line))], start: i, end: end})
			i = end
		default:
			j, depth := i, 0
			for j < len(line) {
				d := line[j]
				if d == '{' {
					depth++
				} else if d == '}' && depth > 0 {
					depth--
				} else if depth == 0 && (d == ',' || d == ']' || (d == '#' && j > 0 && line[j-1] == ' ')) {
					break
				}
				j++
			}
			text := strings.TrimRight(line[i:j], " \t")
			out = append(out, valueItem{text: text, start: i, end: i + len(text)})
			i = j
		}
	}
	return out
}

// itemAt returns the item under byte column col, or the nearest one before it.
func itemAt(items []valueItem, col int) (valueItem, bool) {
	for _, it := range items {
		if col >= it.start && col <= it.end {
			return it, true
		}
	}
	return valueItem{}, false
}

// valueStart is where a line's value starts: after `key:` on a key line, after the
// dash on a list item.
func valueStart(line string, k *fmKey, lineNo int) int {
	if k != nil && k.line == lineNo {
		return k.valueCol
	}
	t := strings.TrimLeft(line, " \t")
	off := len(line) - len(t)
	if strings.HasPrefix(t, "- ") || t == "-" {
		return off + 1
	}
	return off
}
