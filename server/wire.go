package server

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/airules/airules/rules"
)

// ContextParams are the params of airules/context.
type ContextParams struct {
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
	LanguageID string `json:"languageId,omitempty"`
	MaxTokens  int    `json:"maxTokens,omitempty"`
}

// ContextResult is the result of airules/context, and the JSON of `airules context --json`.
type ContextResult struct {
	URI        string          `json:"uri"`
	LanguageID string          `json:"languageId"`
	Rules      []ContextRule   `json:"rules"`
	Omitted    []OmittedRule   `json:"omitted"`
	Available  []AvailableRule `json:"available"`
	Prompt     string          `json:"prompt"`
	Tokens     int             `json:"tokens"`
	MaxTokens  int             `json:"maxTokens"`
	Generation uint64          `json:"generation"`
	Explain    []ExplainedRule `json:"explain,omitempty"`
}

// ContextRule is one included rule.
type ContextRule struct {
	ID          string   `json:"id"`
	URI         string   `json:"uri"`
	Description string   `json:"description"`
	Layer       string   `json:"layer"`
	Format      string   `json:"format"`
	Priority    int      `json:"priority"`
	Scope       []string `json:"scope"`
	Reasons     []string `json:"reasons"`
	Tokens      int      `json:"tokens"`
	Content     string   `json:"content"`
}

// OmittedRule is a rule that would apply but was left out.
type OmittedRule struct {
	ID     string `json:"id"`
	URI    string `json:"uri"`
	Reason string `json:"reason"`
	Tokens int    `json:"tokens"`
}

// AvailableRule is an agent-requested rule on offer.
type AvailableRule struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	URI         string `json:"uri"`
}

// ExplainedRule says why one rule applies or not (CLI --explain only).
type ExplainedRule struct {
	ID      string `json:"id"`
	Applies bool   `json:"applies"`
	Why     string `json:"why"`
}

// NewContextResult converts a budgeted context into its wire form.
func NewContextResult(c rules.Context, uri string, generation uint64) ContextResult {
	res := ContextResult{
		URI: uri, LanguageID: c.Language, Prompt: c.Prompt, Tokens: c.Tokens, MaxTokens: c.MaxTokens,
		Generation: generation,
		Rules:      make([]ContextRule, 0, len(c.Rules)),
		Omitted:    make([]OmittedRule, 0, len(c.Omitted)),
		Available:  make([]AvailableRule, 0, len(c.Available)),
	}
	for _, in := range c.Rules {
		r := in.Rule
		reasons := make([]string, len(in.Reasons))
		for i, rs := range in.Reasons {
			reasons[i] = rs.String()
		}
		scope := r.Scope
		if scope == nil {
			scope = []string{}
		}
		res.Rules = append(res.Rules, ContextRule{
			ID: r.ID, URI: FileURI(r.Path), Description: r.Description, Layer: r.Layer.String(),
			Format: string(r.Format), Priority: r.Priority, Scope: scope, Reasons: reasons,
			Tokens: in.Tokens, Content: strings.TrimSpace(r.Body),
		})
	}
	for _, o := range c.Omitted {
		res.Omitted = append(res.Omitted, OmittedRule{ID: o.Rule.ID, URI: FileURI(o.Rule.Path), Reason: o.Reason, Tokens: o.Rule.Tokens()})
	}
	for _, r := range c.Available {
		res.Available = append(res.Available, AvailableRule{ID: r.ID, Description: r.Description, URI: FileURI(r.Path)})
	}
	return res
}

// FileURI turns an absolute path into a file:// URI.
func FileURI(path string) string {
	p := filepath.ToSlash(path)
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + p // a Windows drive: file:///C:/x, not file://C:/x
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}

// RulesResult is the result of airules/rules, and the JSON of `airules rules --json`.
type RulesResult struct {
	Generation uint64     `json:"generation"`
	Rules      []RuleInfo `json:"rules"`
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

// NewRulesResult lists every rule of a set in rule order; problems counts come from problemsOf (nil:
// the rule's own parse problems).
func NewRulesResult(set *rules.Set, generation uint64, problemsOf func(*rules.Rule) int) RulesResult {
	all := set.Rules()
	slices.SortFunc(all, rules.Compare)
	res := RulesResult{Generation: generation, Rules: make([]RuleInfo, 0, len(all))}
	for _, r := range all {
		n := len(r.Problems)
		if problemsOf != nil {
			n = problemsOf(r)
		}
		status := string(r.Status)
		if set.Disabled(r) {
			status = string(rules.StatusDisabled)
		}
		res.Rules = append(res.Rules, RuleInfo{
			ID: r.ID, URI: FileURI(r.Path), Path: r.Path, Layer: r.Layer.String(), Format: string(r.Format),
			Priority: r.Priority, Status: status, Description: r.Description, Problems: n,
		})
	}
	return res
}
