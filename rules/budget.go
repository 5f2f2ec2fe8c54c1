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
	return BudgetReusing(nil, sel, maxTokens, headerTokens)
}

// BudgetReusing is BudgetWith building its answer in u (nil: in memory of its own);
// see Reuse.
func BudgetReusing(u *Reuse, sel Selection, maxTokens, headerTokens int) Context {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	c := Context{Path: sel.Path, Language: sel.Language, Available: sel.Available, MaxTokens: maxTokens}
	// Most applied rules of a large workspace are over the budget: room for all of them
	// at once rather than growing the list through every size.
	if n := len(sel.Omitted) + len(sel.Applied); u != nil {
		c.Omitted = append(reuse(u.omitted, n), sel.Omitted...)
		defer func() { u.omitted = c.Omitted }()
	} else {
		c.Omitted = make([]Omission, len(sel.Omitted), n)
		copy(c.Omitted, sel.Omitted)
	}
	if u != nil {
		c.Rules = reuse(u.included, 0)
	}
	w := newBudgetWalk(maxTokens, headerTokens)
	for _, m := range sel.Applied {
		si := m.sectionIndex()
		// A rule whose lower bound does not fit is omitted uncounted: the decision is
		// the count's, since the count is at least the bound.
		if w.surelyOver(&m, si) {
			c.Omitted = append(c.Omitted, Omission{Rule: m.Rule, Reason: OmitBudget})
			continue
		}
		n := m.tokens()
		if !w.take(si, n) {
			c.Omitted = append(c.Omitted, Omission{Rule: m.Rule, Reason: OmitBudget})
			continue
		}
		c.Rules = append(c.Rules, Included{Match: m, Tokens: n})
	}
	if u != nil {
		u.included = c.Rules
		if len(c.Rules) == 0 {
			c.Rules = nil // as a budget without a Reuse answers
		}
	}
	if len(c.Rules) > 0 {
		c.Prompt = render(u, sel.Path, renderOrder(u, c.Rules))
		c.Tokens = w.total
	}
	return c
}

// budgetWalk is the state of BudgetWith's walk through the applied rules, shared with
// CountForBudget so that both decide alike.
type budgetWalk struct {
	total, max int
	opened     []bool // scopes whose heading is in the prompt
}

func newBudgetWalk(maxTokens, headerTokens int) *budgetWalk {
	return &budgetWalk{total: headerTokens, max: maxTokens, opened: make([]bool, len(scopeOrder))}
}

// heading is what the heading of section si (scopeIndex) would add to the prompt now.
func (w *budgetWalk) heading(si int) int {
	if w.opened[si] {
		return 0
	}
	return headingTokens[scopeOrder[si]]
}

// surelyOver reports whether m's rule, of section si, cannot fit, judged by a lower
// bound of its count: the one the match carries, else the rule's.
func (w *budgetWalk) surelyOver(m *Match, si int) bool {
	room := w.max - w.total - w.heading(si)
	return int(m.atLeast) > room || m.Rule.TokensAtLeast() > room
}

// tokens is the token count of m's rule.
func (m *Match) tokens() int {
	if m.counted {
		return int(m.atLeast)
	}
	return m.Rule.Tokens()
}

// take adds a rule of section si and n tokens if it fits, and reports whether it did.
func (w *budgetWalk) take(si, n int) bool {
	h := w.heading(si)
	if w.total+n+h > w.max {
		return false
	}
	w.opened[si] = true
	w.total += n + h
	return true
}

// allCounted reports whether every rule of sel has its count known.
func allCounted(sel Selection) bool {
	for _, m := range sel.Applied {
		if m.counted {
			continue
		}
		if _, ok := m.Rule.CountedTokens(); !ok {
			return false
		}
	}
	for _, o := range sel.Omitted {
		if _, ok := o.Rule.CountedTokens(); !ok {
			return false
		}
	}
	return true
}

// countAhead is how many rules CountForBudget counts in one call: the rule it must
// know and the next ones it may need.
const countAhead = 32

// CountForBudget counts through c, in few calls, the rules that BudgetWith(sel,
// maxTokens, headerTokens) will ask Tokens of, and the first listed of the rules it
// will omit (an answer lists those with their counts): so BudgetWith counts nothing
// itself. A rule whose lower bound does not fit is not counted unless it is listed. On
// error it stops; BudgetWith counts what is left.
func CountForBudget(c TokenCounter, sel Selection, maxTokens, headerTokens, listed int) error {
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	if allCounted(sel) { // a warm server's every request
		return nil
	}
	var omitted []*Rule // listed omitted rules, to count at the end
	for _, o := range sel.Omitted[:min(listed, len(sel.Omitted))] {
		omitted = append(omitted, o.Rule)
	}
	listed -= len(omitted)
	w := newBudgetWalk(maxTokens, headerTokens)
	for i, m := range sel.Applied {
		r := m.Rule
		si := m.sectionIndex()
		if w.surelyOver(&m, si) {
			if listed > 0 {
				listed--
				omitted = append(omitted, r)
			}
			continue
		}
		if _, ok := r.CountedTokens(); !ok {
			// Count r and the next rules not known to be over, which this walk will
			// probably need, in one call.
			batch := []*Rule{r}
			for _, next := range sel.Applied[i+1:] {
				if len(batch) == countAhead {
					break
				}
				// Judged without its heading: the walk may open its section before.
				if _, ok := next.Rule.CountedTokens(); !ok && w.total+next.Rule.TokensAtLeast() <= w.max {
					batch = append(batch, next.Rule)
				}
			}
			if err := CountWith(c, batch); err != nil {
				return err
			}
		}
		if !w.take(si, m.tokens()) && listed > 0 {
			listed--
			omitted = append(omitted, r)
		}
	}
	return CountWith(c, omitted)
}
