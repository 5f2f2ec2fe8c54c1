package server

import (
	"context"
	"github.com/airules/airules/server/wire"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
)

// documentLink links, in a rule file's frontmatter, every glob that names one existing
// workspace file (no wildcards) to that file.
func (s *session) documentLink(ctx context.Context, p *protocol.DocumentLinkParams) ([]protocol.DocumentLink, error) {
	out := []protocol.DocumentLink{}
	t, err := s.resolve(string(p.TextDocument.URI))
	if err != nil || t.folder == nil || t.doc == nil {
		return out, nil
	}
	ix := t.folder.index()
	if ix == nil || !ix.IsRuleFile(t.path) {
		return out, nil
	}
	snap := ix.Snapshot()
	if snap.Files == nil {
		return out, nil
	}
	lines := t.doc.lines()
	fm, ok := scanFrontmatter(lines)
	if !ok {
		return out, nil
	}
	for _, k := range fm.keys {
		if k.name != "globs" && k.name != "applyTo" {
			continue
		}
		for ln := k.line; ln <= k.lastLine && ln < len(lines); ln++ {
			text := lines[ln]
			for _, it := range valueItems(text, valueStart(text, &k, ln)) {
				g := strings.TrimPrefix(strings.TrimPrefix(it.text, "!"), "./")
				if g == "" || strings.ContainsAny(g, "*?[{\\") || !strings.Contains(g, "/") {
					continue
				}
				if _, n := snap.Files.Match(g, 1); n != 1 {
					continue
				}
				start, end := it.start, it.end
				if text[start] == '"' || text[start] == '\'' {
					start, end = start+1, end-1
				}
				out = append(out, protocol.DocumentLink{
					Range: protocol.Range{
						Start: protocol.Position{Line: uint32(ln), Character: uint32(rules.UTF16Column(text, start))},
						End:   protocol.Position{Line: uint32(ln), Character: uint32(rules.UTF16Column(text, end))},
					},
					Target:  protocol.DocumentURI(wire.FileURI(filepath.Join(t.folder.root, filepath.FromSlash(g)))),
					Tooltip: "Open " + g,
				})
			}
		}
	}
	return out, nil
}
