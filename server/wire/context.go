package wire

import (
	"strings"
	"unsafe"

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
	// MaxOmitted is how many omitted entries to list: absent or 0 means
	// DefaultMaxOmitted, a negative value all of them. A file can have hundreds of
	// applicable rules that do not fit; the rest are counted in moreOmitted.
	MaxOmitted int `json:"maxOmitted,omitempty"`
}

// Shape is the part of a request that shapes the answer rather than the context.
func (p ContextParams) Shape() Shape {
	return Shape{Content: p.Content, MaxOmitted: p.MaxOmitted}
}

// Shape says how much of a context an answer spells out; the LSP request, the MCP
// tool and the CLI each fill one from their own params.
type Shape struct {
	Content    bool // each rule's body in rules[].content
	MaxOmitted int  // as ContextParams.MaxOmitted
}

// DefaultMaxOmitted is how many omitted entries an answer lists unless asked for
// another number: enough for the rules nearest to being applied, few enough that
// the answer stays small when hundreds of rules apply.
const DefaultMaxOmitted = 50

// OmittedListed is how many of n omitted entries an answer lists for maxOmitted
// (0: DefaultMaxOmitted, negative: all). The entries are in selection order
// (disabled, shadowed and duplicate first, then budget ones most important first),
// so the first ones listed are the nearest to being applied.
func OmittedListed(n, maxOmitted int) int {
	switch {
	case maxOmitted < 0:
		return n
	case maxOmitted == 0:
		maxOmitted = DefaultMaxOmitted
	}
	return min(n, maxOmitted)
}

// ContextResult is the result of airules/context, and the JSON of `airules context --json`.
type ContextResult struct {
	URI        string        `json:"uri"`
	LanguageID string        `json:"languageId"`
	Rules      []ContextRule `json:"rules"`
	// Omitted lists the first omitted rules, as many as the request's maxOmitted
	// allows; MoreOmitted counts the rest (0 when the list is complete).
	Omitted     []OmittedRule   `json:"omitted"`
	MoreOmitted int             `json:"moreOmitted"`
	Available   []AvailableRule `json:"available"`
	Prompt      string          `json:"prompt"`
	Tokens      int             `json:"tokens"`
	MaxTokens   int             `json:"maxTokens"`
	Generation  uint64          `json:"generation"`
	Explain     []ExplainedRule `json:"explain,omitempty"`
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

// NewContextResult converts a budgeted context into its wire form, shaped as the
// request asked: each rule's body in rules[].content when shape.Content is set, and
// the omitted rules cut to shape.MaxOmitted (OmittedListed).
func NewContextResult(c rules.Context, uri string, generation uint64, shape Shape) ContextResult {
	return NewContextResultIn(nil, c, uri, generation, shape)
}

// ResultMemory is memory that context results are built in, taken back from the
// result before: for a caller that encodes each result before it builds the next (a
// server). The zero value is ready; it is not safe for concurrent use.
type ResultMemory struct {
	rules     []ContextRule
	omitted   []OmittedRule
	available []AvailableRule
	reasons   []string
	uris      []byte // the bytes of the result's rule URIs (uriSlab)
}

// NewContextResultIn is NewContextResult building the result in m (nil: in memory of
// its own). The result is valid until m is used again.
func NewContextResultIn(m *ResultMemory, c rules.Context, uri string, generation uint64, shape Shape) ContextResult {
	if m == nil {
		m = new(ResultMemory)
	}
	listed := OmittedListed(len(c.Omitted), shape.MaxOmitted)
	res := ContextResult{
		URI: uri, LanguageID: c.Language, Prompt: c.Prompt, Tokens: c.Tokens, MaxTokens: c.MaxTokens,
		Generation:  generation,
		Rules:       grown(m.rules, len(c.Rules)),
		Omitted:     grown(m.omitted, listed),
		MoreOmitted: len(c.Omitted) - listed,
		Available:   grown(m.available, len(c.Available)),
	}
	nReasons, uriBytes := 0, 0
	for _, in := range c.Rules {
		nReasons += len(in.Reasons)
		uriBytes += len(fileScheme) + len(in.Rule.Path)
	}
	for _, o := range c.Omitted[:listed] {
		uriBytes += len(fileScheme) + len(o.Rule.Path)
	}
	for _, r := range c.Available {
		uriBytes += len(fileScheme) + len(r.Path)
	}
	uris := uriSlab{buf: grown(m.uris, uriBytes)}
	// One slab for every rule's reasons, each rule's part capped at its length.
	slab := grown(m.reasons, nReasons)
	for _, in := range c.Rules {
		r := in.Rule
		start := len(slab)
		for _, rs := range in.Reasons {
			slab = append(slab, rs.String())
		}
		scope := r.Scope
		if scope == nil {
			scope = []string{}
		}
		cr := ContextRule{
			ID: r.ID, URI: uris.fileURI(r.Path), Description: r.Description, Layer: r.Layer.String(),
			Format: string(r.Format), Priority: r.Priority, Scope: scope, Reasons: slab[start:len(slab):len(slab)], Tokens: in.Tokens,
		}
		if shape.Content {
			cr.Content = strings.TrimSpace(r.Text())
		}
		res.Rules = append(res.Rules, cr)
	}
	for _, o := range c.Omitted[:listed] {
		om := OmittedRule{
			ID: o.Rule.ID, URI: uris.fileURI(o.Rule.Path), Description: o.Rule.Description, Reason: o.Reason, Tokens: o.Rule.Tokens(),
		}
		if o.Of != nil {
			om.Of = o.Of.ID
		}
		res.Omitted = append(res.Omitted, om)
	}
	for _, r := range c.Available {
		res.Available = append(res.Available, AvailableRule{ID: r.ID, Description: r.Description, URI: uris.fileURI(r.Path)})
	}
	m.rules, m.omitted, m.available, m.reasons, m.uris = res.Rules, res.Omitted, res.Available, slab, uris.buf
	return res
}

// uriSlab makes the file URIs of one result in one buffer, sized for them all
// beforehand: an answer lists about a hundred rules, each with its URI.
type uriSlab struct{ buf []byte }

// fileURI is FileURI(path); a plain path's URI shares the slab's memory, valid until
// the slab is used again.
func (u *uriSlab) fileURI(path string) string {
	if !plainPath(path) {
		return FileURI(path)
	}
	start := len(u.buf)
	u.buf = append(append(u.buf, fileScheme...), path...)
	return unsafe.String(&u.buf[start], len(u.buf)-start)
}

// grown returns buf emptied, with room for n (a new slice when it has less); never
// nil, which would encode as null.
func grown[T any](buf []T, n int) []T {
	if buf == nil || cap(buf) < n {
		return make([]T, 0, n)
	}
	clear(buf[:cap(buf)]) // no strings of an old result kept alive
	return buf[:0]
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
