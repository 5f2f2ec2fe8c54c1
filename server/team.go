package server

import (
	"context"

	"github.com/airules/airules/index"
	"github.com/airules/airules/server/wire"
	"go.lsp.dev/jsonrpc2"
)

// teamRuleParams are the parameters of airules/teamRule.
type teamRuleParams struct {
	URI string `json:"uri"`
}

// teamRuleRequest answers airules/teamRule {uri}: the text of a team rule from the
// index's cache, never from the network.
func (s *session) teamRuleRequest(_ context.Context, p *teamRuleParams) (any, error) {
	if !index.IsTeamPath(p.URI) {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules/teamRule: %q is not an airules-team:// URI", p.URI)
	}
	for _, f := range s.currentFolders() {
		if ix := f.index(); ix != nil {
			if text, rev, ok := ix.TeamRuleText(p.URI); ok {
				return wire.TeamRule{URI: p.URI, Text: text, Revision: rev}, nil
			}
		}
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules/teamRule: no team rule %s", p.URI)
}
