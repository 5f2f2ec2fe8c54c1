package server

import (
	"context"
	"fmt"
	"github.com/airules/airules/server/wire"

	"go.lsp.dev/protocol"
)

// showContextCommand is the client-side command a code lens runs; the editors
// register it and call airules/context with the URI.
const showContextCommand = "airules.showContext"

// codeLens puts "N AI rules apply · T tokens" on line 0 of a source file.
func (s *session) codeLens(ctx context.Context, p *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	uri := string(p.TextDocument.URI)
	t, err := s.resolve(uri)
	if err != nil || t.folder == nil {
		return []protocol.CodeLens{}, nil
	}
	title := hoverIndexing
	if t.folder.isReady() {
		ix := t.folder.index()
		if ix == nil || ix.IsRuleFile(t.path) {
			return []protocol.CodeLens{}, nil
		}
		c := ix.Snapshot().Context(t.rel, t.languageOf(""), t.content(), s.maxTokens(0))
		n := len(c.Rules)
		title = fmt.Sprintf("%d AI %s · %d tokens", n, wire.Plural(n, "rule applies", "rules apply"), c.Tokens)
	}
	return []protocol.CodeLens{{
		Range:   protocol.Range{},
		Command: &protocol.Command{Title: title, Command: showContextCommand, Arguments: []any{uri}},
	}}, nil
}
