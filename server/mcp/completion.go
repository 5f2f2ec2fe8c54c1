package mcp

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxCompletions is the most values one completion/complete answer may carry (the
// protocol's limit).
const maxCompletions = 100

// complete offers values for the arguments a user types by hand: the path of the
// rules-context prompt (the workspace's files) and the id of the rule template.
func (s *Server) complete(_ context.Context, req *sdk.CompleteRequest) (*sdk.CompleteResult, error) {
	p := req.Params
	var candidates []string
	snap := s.ix.Snapshot()
	switch {
	case p.Ref != nil && p.Ref.Type == "ref/prompt" && p.Ref.Name == "rules-context" && p.Argument.Name == "path":
		candidates = snap.Files.Files()
	case p.Ref != nil && p.Ref.Type == "ref/resource" && p.Ref.URI == ruleTemplate && p.Argument.Name == "id":
		for _, r := range listedRules(snap) {
			candidates = append(candidates, r.ID)
		}
		slices.Sort(candidates)
	}
	res := &sdk.CompleteResult{Completion: sdk.CompletionResultDetails{Values: []string{}}}
	for _, c := range candidates {
		if !strings.HasPrefix(c, p.Argument.Value) {
			continue
		}
		res.Completion.Total++
		if len(res.Completion.Values) < maxCompletions {
			res.Completion.Values = append(res.Completion.Values, c)
		}
	}
	res.Completion.HasMore = res.Completion.Total > len(res.Completion.Values)
	return res, nil
}
