package wire

import (
	"strings"

	"github.com/airules/airules/rules"
)

// Rule is one rule with its content: how a client fetches a rule it was offered under
// available, or that the budget left out (MCP get_rule).
type Rule struct {
	RuleInfo
	Version     string   `json:"version,omitempty"`
	Scope       []string `json:"scope"`
	Language    []string `json:"language"`
	Tags        []string `json:"tags"`
	Globs       []string `json:"globs"`
	AlwaysApply bool     `json:"alwaysApply"`
	// AgentRequested: the rule applies to no file by itself; it is offered by id and
	// description for an assistant to fetch.
	AgentRequested bool `json:"agentRequested"`
	// Shadowed: a rule with the same id in a higher layer hides this one.
	Shadowed bool   `json:"shadowed"`
	Tokens   int    `json:"tokens"`
	Content  string `json:"content"`
}

// NewRule converts one rule of set, with its number of problems.
func NewRule(set *rules.Set, r *rules.Rule, problems int) Rule {
	return Rule{
		RuleInfo: NewRuleInfo(set, r, problems), Version: r.Version,
		Scope: orEmpty(r.Scope), Language: orEmpty(r.Language), Tags: orEmpty(r.Tags), Globs: orEmpty(r.Globs),
		AlwaysApply: r.AlwaysApply, AgentRequested: r.AgentRequested(), Shadowed: set.Shadowed(r),
		Tokens: r.Tokens(), Content: strings.TrimSpace(r.Text()),
	}
}

// orEmpty keeps a missing list an empty JSON array rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
