package server

import (
	"context"
	"regexp"
	"strings"

	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
)

var headingLine = regexp.MustCompile(`^(#{1,6})[ \t]+(.+?)[ \t#]*$`)

// documentSymbol outlines a rule file: its frontmatter keys, then its markdown
// headings nested by level. Other files get an empty outline.
func (s *session) documentSymbol(ctx context.Context, p *protocol.DocumentSymbolParams) ([]interface{}, error) {
	out := []interface{}{}
	d := s.doc(string(p.TextDocument.URI))
	if d == nil {
		return out, nil
	}
	lines := d.lines()
	body := 0
	if fm, ok := scanFrontmatter(lines); ok {
		for _, k := range fm.keys {
			detail := strings.TrimSpace(stripComment(lines[k.line][k.valueCol:]))
			rng := protocol.Range{
				Start: protocol.Position{Line: uint32(k.line)},
				End:   protocol.Position{Line: uint32(k.lastLine), Character: lineEnd(lines[k.lastLine])},
			}
			sel := protocol.Range{Start: rng.Start, End: protocol.Position{Line: uint32(k.line), Character: lineEnd(k.name)}}
			out = append(out, protocol.DocumentSymbol{Name: k.name, Detail: detail, Kind: protocol.SymbolKindKey, Range: rng, SelectionRange: sel})
		}
		body = fm.close + 1
	}
	for _, h := range headings(lines, body) {
		out = append(out, h)
	}
	return out, nil
}

// headings builds the heading tree of the markdown from line start, skipping fenced code.
func headings(lines []string, start int) []protocol.DocumentSymbol {
	type open struct {
		level int
		sym   *protocol.DocumentSymbol
	}
	var roots []*protocol.DocumentSymbol
	var stack []open
	fence := ""
	for i := start; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			continue
		}
		m := headingLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		level := len(m[1])
		sym := &protocol.DocumentSymbol{
			Name:           m[2],
			Kind:           protocol.SymbolKindString,
			Range:          protocol.Range{Start: protocol.Position{Line: uint32(i)}, End: protocol.Position{Line: uint32(i), Character: lineEnd(l)}},
			SelectionRange: protocol.Range{Start: protocol.Position{Line: uint32(i)}, End: protocol.Position{Line: uint32(i), Character: lineEnd(l)}},
		}
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			roots = append(roots, sym)
		} else {
			parent := stack[len(stack)-1].sym
			parent.Children = append(parent.Children, *sym)
			sym = &parent.Children[len(parent.Children)-1]
		}
		stack = append(stack, open{level, sym})
	}
	out := make([]protocol.DocumentSymbol, len(roots))
	for i, r := range roots {
		out[i] = *r
	}
	return out
}

func stripComment(v string) string {
	if i := strings.Index(v, " #"); i >= 0 {
		return v[:i]
	}
	return v
}

// lineEnd is the UTF-16 length of s, LSP's column unit.
func lineEnd(s string) uint32 { return uint32(rules.UTF16Column(s, len(s))) }
