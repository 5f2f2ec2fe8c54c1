package rules

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

// headingTokens are the o200k counts of the section headings (scopeHeading), known
// here so that budgeting needs the tokenizer only for what no store knows; the
// tokenizer itself checks them (TestHeadingTokens).
var headingTokens = map[string]int{"global": 3, "project": 3, "language": 3, "framework": 3, "context": 3}

// Budget takes the applied rules in importance order while they fit maxTokens (<= 0 means
// DefaultMaxTokens); a rule that does not fit is omitted whole with reason "budget", and
// later, smaller rules may still fit. It renders the prompt of what was taken, general
// before specific within each section. An omitted rule keeps its description and path.
func Budget(sel Selection, maxTokens int) Context {
	return BudgetWith(sel, maxTokens, HeaderTokens(sel.Path))
}

// HeaderTokens is the token count of the prompt's header for the file at rel, which
// every prompt for it starts with.
func HeaderTokens(rel string) int { return CountTokens(promptHeader(relPath(rel))) }

// BudgetWith is Budget with the header's count known (HeaderTokens of sel.Path): an
// index that stored it budgets without the tokenizer when every rule's count is
// stored too.
func BudgetWith(sel Selection, maxTokens, headerTokens int) Context {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	c := Context{Path: sel.Path, Language: sel.Language, Available: sel.Available, MaxTokens: maxTokens}
	// Most applied rules of a large workspace are over the budget: room for all of them
	// at once rather than growing the list through every size.
	c.Omitted = make([]Omission, len(sel.Omitted), len(sel.Omitted)+len(sel.Applied))
	copy(c.Omitted, sel.Omitted)
	total := headerTokens
	opened := make([]bool, len(scopeOrder))
	for _, m := range sel.Applied {
		n := m.Rule.Tokens()
		cost := n
		si := scopeIndex(m.Rule.EffectiveScope())
		if !opened[si] {
			cost += headingTokens[scopeOrder[si]]
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
