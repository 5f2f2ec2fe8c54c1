package wire

import (
	"slices"

	"github.com/airules/airules/rules"
)

// RulesResult is the result of airules/rules, and the JSON of `airules rules --json`.
type RulesResult struct {
	Generation uint64     `json:"generation"`
	Rules      []RuleInfo `json:"rules"`
	// Team is the team source's state when one is configured, for an info view or a
	// status bar: "team: live, revision 12", "team: offline, revision 12, 3 h old".
	Team string `json:"team,omitempty"`
}

// RuleInfo summarises one indexed rule.
type RuleInfo struct {
	ID          string `json:"id"`
	URI         string `json:"uri"`
	Path        string `json:"path"`
	Layer       string `json:"layer"`
	Format      string `json:"format"`
	Priority    int    `json:"priority"`
	Status      string `json:"status"`
	Description string `json:"description"`
	Problems    int    `json:"problems"`
}

// NewRulesResult lists every rule of a set in rule order; problem counts come from
// problemsOf (nil: the rule's own parse problems).
func NewRulesResult(set *rules.Set, generation uint64, problemsOf func(*rules.Rule) int) RulesResult {
	all := set.Rules()
	slices.SortFunc(all, rules.Compare)
	res := RulesResult{Generation: generation, Rules: make([]RuleInfo, 0, len(all))}
	for _, r := range all {
		n := len(r.Problems)
		if problemsOf != nil {
			n = problemsOf(r)
		}
		res.Rules = append(res.Rules, NewRuleInfo(set, r, n))
	}
	return res
}

// NewRuleInfo summarises one rule of set with its number of problems; its status is
// disabled when the rule or the configuration disables it.
func NewRuleInfo(set *rules.Set, r *rules.Rule, problems int) RuleInfo {
	status := string(r.Status)
	if set.Disabled(r) {
		status = string(rules.StatusDisabled)
	}
	return RuleInfo{
		ID: r.ID, URI: FileURI(r.Path), Path: r.Path, Layer: r.Layer.String(), Format: string(r.Format),
		Priority: r.Priority, Status: status, Description: r.Description, Problems: problems,
	}
}
