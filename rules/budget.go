package rules

import "sync"

// Included is an applied rule that made it into the prompt.
type Included struct {
	Match
	Tokens int
}

// Context is a Selection cut to a token budget and rendered: what airules/context and
// `airules context` return.
type Context struct {
	Path      string
	Language  string
	Rules     []Included
	Omitted   []Omission
	Available []*Rule
	Prompt    string
	Tokens    int // tokens of Prompt; never more than MaxTokens
	MaxTokens int
}

var headingCache sync.Map // string → int

// cachedCount counts a short, often repeated string once.
func cachedCount(s string) int {
	if n, ok := headingCache.Load(s); ok {
		return n.(int)
	}
	n := CountTokens(s)
	headingCache.Store(s, n)
	return n
}

// Budget takes the applied rules in importance order while they fit maxTokens (<= 0 means
// DefaultMaxTokens); a rule that does not fit is omitted whole with reason "budget", and
// later, smaller rules may still fit. It renders the prompt of what was taken, general
// before specific within each section. An omitted rule keeps its description and path.
func Budget(sel Selection, maxTokens int) Context {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	c := Context{Path: sel.Path, Language: sel.Language, Available: sel.Available, MaxTokens: maxTokens}
	c.Omitted = append(c.Omitted, sel.Omitted...)
	total := CountTokens(promptHeader(sel.Path))
	opened := make([]bool, len(scopeOrder))
	for _, m := range sel.Applied {
		n := m.Rule.Tokens()
		cost := n
		si := scopeIndex(m.Rule.EffectiveScope())
		if !opened[si] {
			cost += cachedCount(scopeHeading(scopeOrder[si]))
		}
		if total+cost > maxTokens {
			c.Omitted = append(c.Omitted, Omission{Rule: m.Rule, Reason: OmitBudget})
			continue
		}
		opened[si] = true
		total += cost
		c.Rules = append(c.Rules, Included{Match: m, Tokens: n})
	}
	if len(c.Rules) > 0 {
		c.Prompt = render(sel.Path, renderOrder(c.Rules))
		c.Tokens = total
	}
	return c
}
