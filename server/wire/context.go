package wire

import (
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
	// Content asks for each rule's body in rules[].content; the prompt holds every
	// body already, so by default they are left out.
	Content bool `json:"content,omitempty"`
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
	Content     string   `json:"content,omitempty"` // only when asked for (ContextParams.Content)
}

// OmittedRule is a rule that would apply but was left out. Its description and URI
// stay, so a client can still fetch a rule that did not fit.
type OmittedRule struct {
	ID          string `json:"id"`
	URI         string `json:"uri"`
	Description string `json:"description"`
	Reason      string `json:"reason"` // budget, disabled, shadowed or duplicate
	Tokens      int    `json:"tokens"`
	// Of names, for duplicate, the applied rule with the same text and, for shadowed,
	// the rule that hides this one.
	Of string `json:"of,omitempty"`
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

// NewContextResult converts a budgeted context into its wire form, with each rule's
// body in rules[].content when content is set.
func NewContextResult(c rules.Context, uri string, generation uint64, content bool) ContextResult {
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
		cr := ContextRule{
			ID: r.ID, URI: FileURI(r.Path), Description: r.Description, Layer: r.Layer.String(),
			Format: string(r.Format), Priority: r.Priority, Scope: scope, Reasons: reasons, Tokens: in.Tokens,
		}
		if content {
			cr.Content = strings.TrimSpace(r.Text())
		}
		res.Rules = append(res.Rules, cr)
	}
	for _, o := range c.Omitted {
		om := OmittedRule{
			ID: o.Rule.ID, URI: FileURI(o.Rule.Path), Description: o.Rule.Description, Reason: o.Reason, Tokens: o.Rule.Tokens(),
		}
		if o.Of != nil {
			om.Of = o.Of.ID
		}
		res.Omitted = append(res.Omitted, om)
	}
	for _, r := range c.Available {
		res.Available = append(res.Available, AvailableRule{ID: r.ID, Description: r.Description, URI: FileURI(r.Path)})
	}
	return res
}

// Explained lists, for every rule of the set, whether it applies to the file of c (of
// that content, for rules that match on it) and why.
func Explained(set *rules.Set, c rules.Context, content []byte) []ExplainedRule {
	var out []ExplainedRule
	for _, e := range set.ExplainContent(c.Path, c.Language, content) {
		out = append(out, ExplainedRule{ID: e.Rule.ID, Applies: e.Applies, Why: e.Why})
	}
	return out
}
