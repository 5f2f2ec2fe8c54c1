package mcp

import (
	"context"
	"fmt"

	"github.com/airules/airules/server/wire"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// addPrompts adds rules-context: the rendered prompt of a file, for clients that let
// the user insert a prompt into the conversation.
func (s *Server) addPrompts() {
	s.sdk.AddPrompt(&sdk.Prompt{
		Name:        "rules-context",
		Title:       "AI rules for a file",
		Description: "Insert the workspace's AI rules that apply to a file, in order and within the default token budget.",
		Arguments: []*sdk.PromptArgument{{
			Name: "path", Title: "File", Required: true,
			Description: "the file, absolute or relative to the workspace root",
		}},
	}, s.rulesContextPrompt)
}

func (s *Server) rulesContextPrompt(_ context.Context, req *sdk.GetPromptRequest) (*sdk.GetPromptResult, error) {
	path := req.Params.Arguments["path"]
	c, _, err := s.fileContext(path, "", "", 0, wire.Shape{})
	if err != nil {
		return nil, fmt.Errorf("rules-context: %w", err)
	}
	text := c.Prompt
	if text == "" {
		text = "No AI rules of this workspace apply to " + c.Path + "."
	}
	return &sdk.GetPromptResult{
		Description: fmt.Sprintf("AI rules for %s: %d rules, %d tokens", c.Path, len(c.Rules), c.Tokens),
		Messages:    []*sdk.PromptMessage{{Role: "user", Content: &sdk.TextContent{Text: text}}},
	}, nil
}
