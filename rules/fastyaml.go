package rules

import (
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// fastMapping decodes the frontmatter most rule files have — top-level `key: value`
// lines whose values are plain or simply quoted scalars, one-line flow lists, or block
// lists of such scalars — into the same yaml.Node shapes yaml.v3 builds, at a fraction
// of its cost (yaml.v3 is most of a parse). Anything else, however valid, is left to
// yaml.v3: ok is false. FuzzFastYAML checks that both paths agree.
func fastMapping(block []byte) (root *yaml.Node, ok bool) {
	root = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	text := string(block)
	lineNo := 0
	var pendingKey *yaml.Node // a key whose value may be a block list below it
	var seq *yaml.Node
	seqIndent := -1
	for len(text) > 0 || pendingKey != nil {
		var ln string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, ""
		}
		lineNo++
		if !printable(ln) {
			return nil, false
		}
		trimmed := strings.TrimLeft(ln, " ")
		indent := len(ln) - len(trimmed)
		if trimmed == "" || trimmed[0] == '#' {
			if pendingKey != nil && text == "" && ln == "" {
				// the end of the block: an empty value with no list is null
				root.Content = append(root.Content, pendingKey, nullNode(pendingKey))
				pendingKey = nil
			}
			if text == "" && pendingKey == nil {
				break
			}
			continue
		}
		if strings.HasPrefix(trimmed, "- ") || trimmed == "-" {
			if pendingKey == nil && seq == nil {
				return nil, false
			}
			if pendingKey != nil {
				seq = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: lineNo, Column: indent + 1}
				root.Content = append(root.Content, pendingKey, seq)
				pendingKey, seqIndent = nil, indent
			}
			if indent != seqIndent || trimmed == "-" {
				return nil, false
			}
			item := strings.TrimLeft(trimmed[1:], " ")
			col := runeCol(ln, len(ln)-len(item))
			n, ok := fastScalar(item, lineNo, col)
			if !ok {
				return nil, false
			}
			seq.Content = append(seq.Content, n)
			continue
		}
		if indent != 0 {
			return nil, false
		}
		if pendingKey != nil {
			root.Content = append(root.Content, pendingKey, nullNode(pendingKey))
			pendingKey = nil
		}
		seq = nil
		colon := strings.IndexByte(ln, ':')
		if colon <= 0 || !isSimpleKey(ln[:colon]) {
			return nil, false
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ln[:colon], Line: lineNo, Column: 1}
		rest := ln[colon+1:]
		if rest != "" && rest[0] != ' ' {
			return nil, false
		}
		value := strings.TrimLeft(rest, " ")
		if value == "" {
			pendingKey = key
			if text == "" {
				root.Content = append(root.Content, pendingKey, nullNode(pendingKey))
				pendingKey = nil
			}
			continue
		}
		col := runeCol(ln, len(ln)-len(value))
		var v *yaml.Node
		if value[0] == '[' {
			v, ok = fastFlowList(value, lineNo, col)
		} else {
			v, ok = fastScalar(value, lineNo, col)
		}
		if !ok {
			return nil, false
		}
		root.Content = append(root.Content, key, v)
	}
	if pendingKey != nil {
		root.Content = append(root.Content, pendingKey, nullNode(pendingKey))
	}
	if len(root.Content) > 0 {
		root.Line, root.Column = root.Content[0].Line, root.Content[0].Column
	}
	return root, true
}

// nullNode is the empty value yaml.v3 gives `key:` with nothing after it: a null at the
// end of the key's line.
func nullNode(key *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: key.Line, Column: key.Column + utf8.RuneCountInString(key.Value) + 1}
}

func isSimpleKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (i > 0 && (c >= '0' && c <= '9' || c == '-'))) {
			return false
		}
	}
	return k != ""
}

// runeCol is the 1-based rune column of byte offset b in line.
func runeCol(line string, b int) int { return utf8.RuneCountInString(line[:b]) + 1 }

// fastScalar reads one whole value: a plain scalar without anything YAML could read as
// structure, or a quoted one without escapes. The value is a string of its own, as
// yaml.v3's are: a rule keeps a few values of its frontmatter, and a slice of the block
// would keep all of it, for every rule a server holds.
func fastScalar(s string, line, col int) (*yaml.Node, bool) {
	if s == "" {
		return nil, false
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Line: line, Column: col}
	switch s[0] {
	case '"', '\'':
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 || end+2 != len(s) || strings.ContainsAny(s[1:end+1], "\\") {
			return nil, false
		}
		n.Value, n.Tag = strings.Clone(s[1:end+1]), "!!str"
		n.Style = yaml.DoubleQuotedStyle
		if s[0] == '\'' {
			n.Style = yaml.SingleQuotedStyle
		}
		return n, true
	}
	if !plainOK(s) {
		return nil, false
	}
	n.Value = strings.Clone(s)
	n.Tag = n.ShortTag() // resolves like yaml.v3: int, bool, float, timestamp, null, str
	return n, true
}

// plainOK accepts plain scalars whose meaning does not depend on YAML's finer rules.
func plainOK(s string) bool {
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`<=~") || strings.HasSuffix(s, " ") || strings.HasSuffix(s, ":") {
		return false
	}
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.ContainsAny(s, "\\")
}

// fastFlowList reads `[a, "b", c]` on one line.
func fastFlowList(s string, line, col int) (*yaml.Node, bool) {
	if !strings.HasSuffix(s, "]") {
		return nil, false
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: line, Column: col}
	i, end := 1, len(s)-1
	skip := func() {
		for i < end && s[i] == ' ' {
			i++
		}
	}
	skip()
	if i == end {
		return seq, true
	}
	for {
		start := i
		switch s[i] {
		case '"', '\'':
			j := strings.IndexByte(s[i+1:end], s[i])
			if j < 0 {
				return nil, false
			}
			i += j + 2
		default:
			for i < end && s[i] != ',' {
				if strings.IndexByte("[]{}:#\"'", s[i]) >= 0 {
					return nil, false
				}
				i++
			}
		}
		item := strings.TrimRight(s[start:i], " ")
		n, ok := fastScalar(item, line, col+utf8.RuneCountInString(s[:start]))
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, n)
		skip()
		if i == end {
			return seq, true
		}
		if s[i] != ',' {
			return nil, false
		}
		i++
		skip()
		if i == end {
			return nil, false // a trailing comma: leave it to yaml.v3
		}
	}
}

// printable accepts only the characters YAML allows in a document, less tab and CR
// (which change how lines are read): anything else goes to yaml.v3 to be reported.
func printable(s string) bool {
	for _, c := range s {
		switch {
		case c >= 0x20 && c <= 0x7E, c >= 0xA0 && c <= 0xD7FF, c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF, c >= 0x10000 && c <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}
