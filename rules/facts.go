package rules

// A select touches hundreds of rules, and every pointer it follows to a rule is a cache
// miss on a large set: the facts it needs of each rule are kept in the table's own
// arrays instead, indexed like its rules (BenchmarkContextShapeWarm in package index).

// Bits of table.flags.
const (
	factRegex      = 1 << iota // content patterns besides globs
	factNegation               // negated globs
	factLanguage               // limited to its languages
	factLangSlow               // a language without a bit: Language is searched
	factDependency             // a dependency rule (its text may be inlined elsewhere)
	factCounted                // its token count was known when the table was built (atLeast)
)

// maxLangBits is how many distinct languages one table gives a bit.
const maxLangBits = 64

// facts are the per-rule arrays of a table.
type facts struct {
	flags []uint8
	langs []uint64 // bits of the rule's languages (langBit)
	layer []Layer
	prio  []int32
	// section is 1 + the index of the rule's prompt section (scopeIndex of its
	// EffectiveScope), carried into its matches for the budget and the rendering.
	section []int8
	// body numbers each rule's body identity: rules with one number have the same
	// text. Numbers are shared with the base table a delta table is built over.
	body []int32
	// atLeast is what was known of each rule's token count when the table was built:
	// the count (factCounted), a lower bound, or 0. A count does not change for a
	// rule, nor a lower bound, so it stays a lower bound: a budget leaves the hundreds
	// of rules it has no room for out without reaching into each (Match.atLeast).
	atLeast []int32
	bodyIDs map[string]int32 // identities first numbered by this table
	bodies  int32            // numbers used, the base's included
	langIDs map[string]uint8
}

// buildFacts fills t's facts; base, when not nil, is the table t is a delta over, whose
// body numbers t extends.
func (t *table) buildFacts(base *table) {
	n := len(t.rules)
	t.flags = make([]uint8, n)
	t.langs = make([]uint64, n)
	t.layer = make([]Layer, n)
	t.prio = make([]int32, n)
	t.section = make([]int8, n)
	t.body = make([]int32, n)
	t.atLeast = make([]int32, n)
	t.langIDs = map[string]uint8{}
	var baseIDs map[string]int32
	next := int32(0)
	if base != nil {
		baseIDs, next = base.bodyIDs, base.bodies
	}
	t.bodyIDs = map[string]int32{}
	for i, r := range t.rules {
		t.layer[i], t.prio[i] = r.Layer, int32(r.Priority)
		if k, counted := r.knownTokens(); k > 0 {
			t.atLeast[i] = int32(min(k, 1<<30))
			if counted && k <= 1<<30 {
				t.flags[i] |= factCounted
			}
		}
		t.section[i] = int8(scopeIndex(r.EffectiveScope()) + 1)
		if len(t.re[i]) > 0 {
			t.flags[i] |= factRegex
		}
		if len(t.neg[i]) > 0 {
			t.flags[i] |= factNegation
		}
		if r.Format == FormatDependency {
			t.flags[i] |= factDependency
		}
		if len(r.Language) > 0 {
			t.flags[i] |= factLanguage
			for _, l := range r.Language {
				id, ok := t.langIDs[l]
				if !ok && len(t.langIDs) < maxLangBits {
					id, ok = uint8(len(t.langIDs)), true
					t.langIDs[l] = id
				}
				if !ok {
					t.flags[i] |= factLangSlow
					continue
				}
				t.langs[i] |= 1 << id
			}
		}
		key := r.bodyIdentity()
		id, ok := baseIDs[key]
		if !ok {
			if id, ok = t.bodyIDs[key]; !ok {
				id = next
				next++
				t.bodyIDs[key] = id
			}
		}
		t.body[i] = id
	}
	t.bodies = next
}

// langBit is a file's language as a table's rules name it: its bit, when some rule of
// the table names it (ok); a language no rule names has none, and only factLangSlow
// rules can then be limited to it.
type langBit struct {
	bit uint64
	ok  bool
}

func (t *table) langBit(lang string) langBit {
	id, ok := t.langIDs[lang]
	if !ok {
		return langBit{}
	}
	return langBit{1 << id, true}
}

// in reports whether rule ri of t lists the language among its bits.
func (b langBit) in(t *table, ri int32) bool { return b.ok && t.langs[ri]&b.bit != 0 }

// excludes reports whether rule ri of t, found by a glob, is certain to be left out for
// the file's language (hit.excluded would leave it out whatever else it checks):
// collect then does not gather it.
func (b langBit) excludes(t *table, ri int32) bool {
	f := t.flags[ri]
	return f&factLanguage != 0 && f&factLangSlow == 0 && !b.in(t, ri)
}
