package rules

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ReasonKind says why a rule applied.
type ReasonKind uint8

// The reasons.
const (
	ReasonAlways   ReasonKind = iota // alwaysApply: true
	ReasonGlob                       // a glob matched; Detail is the glob as written
	ReasonLanguage                   // the file's language is listed; Detail is the id
	ReasonFolder                     // a folder file (AGENTS.md, …) of an enclosing folder; Detail is it ("" the root)
	ReasonRegex                      // a content pattern matched; Detail is the pattern
)

// Reason is one reason a rule applied.
type Reason struct {
	Kind   ReasonKind
	Detail string
}

func (r Reason) String() string {
	switch r.Kind {
	case ReasonAlways:
		return "alwaysApply"
	case ReasonGlob:
		return "glob " + r.Detail
	case ReasonFolder:
		if r.Detail == "" {
			return "folder (workspace root)"
		}
		return "folder " + r.Detail
	case ReasonRegex:
		return "content matches " + r.Detail
	}
	return "language " + r.Detail
}

// Match is a rule that applies to a file, with its reasons.
type Match struct {
	Rule    *Rule
	Reasons []Reason
	// Specificity is how narrowly the rule targets the file (see Specificity).
	Specificity Specificity
	// After is the applied rule just before this one (nil for the first), and TieBreak
	// the key of the order that put this one after it.
	After     *Rule
	TieBreak  TieBreak
	afterSpec Specificity
	// section is 1 + the index of the rule's prompt section, 0 when the match was
	// built elsewhere than a select (see sectionIndex).
	section int8
	// counted says atLeast is the rule's token count; atLeast is otherwise a lower
	// bound of it, 0 when unknown: the table's (facts.atLeast), read without the rule.
	counted bool
	atLeast int32
}

// sectionIndex is the index of the prompt section m's rule is rendered in.
func (m *Match) sectionIndex() int {
	if m.section > 0 {
		return int(m.section - 1)
	}
	return scopeIndex(m.Rule.EffectiveScope())
}

// TieBreak names the key of the order that decided between two applied rules.
type TieBreak uint8

// The keys of the order, in the order they are tried.
const (
	ByLayer TieBreak = iota
	ByPriority
	BySpecificity
	ByPath
)

// Order says, in words, which tie-break put the rule after the one before it ("" for
// the first).
func (m Match) Order() string {
	if m.After == nil {
		return ""
	}
	a, b := m.After, m.Rule
	switch m.TieBreak {
	case ByLayer:
		return "after " + a.ID + " by layer (" + a.Layer.String() + " before " + b.Layer.String() + ")"
	case ByPriority:
		return "after " + a.ID + " by priority (" + strconv.Itoa(a.Priority) + " before " + strconv.Itoa(b.Priority) + ")"
	case BySpecificity:
		return "after " + a.ID + " by specificity (" + specWords(m.afterSpec) + " before " + specWords(m.Specificity) + ")"
	}
	return "after " + a.ID + " by path (same layer, priority and specificity)"
}

// The reasons a rule that would apply is left out.
const (
	OmitDisabled  = "disabled"
	OmitShadowed  = "shadowed"
	OmitBudget    = "budget"
	OmitDuplicate = "duplicate"
)

// Omission is a rule that would apply but is left out, with why: "disabled",
// "shadowed", "duplicate" or "budget". The rule keeps its description and path, so a
// caller can still offer it by id.
type Omission struct {
	Rule   *Rule
	Reason string
	// Of is, for "duplicate", the applied rule with the same text; for "shadowed", the
	// rule that hides this one when it is known.
	Of *Rule
}

// Selection is the answer to "which rules apply to this file": the applied rules in
// order, the ones left out and the agent-requested ones on offer.
type Selection struct {
	Path      string // workspace-relative, slash-separated
	Language  string
	Applied   []Match
	Omitted   []Omission
	Available []*Rule
}

// Less is the rule order without a target file: layer (user first), then priority
// (high first), then path. For a file, Select orders by specificity before the path.
func Less(a, b *Rule) bool {
	if a.Layer != b.Layer {
		return a.Layer > b.Layer
	}
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.Path < b.Path
}

// Compare is Less as a three-way comparison, for slices.SortFunc.
func Compare(a, b *Rule) int {
	switch {
	case a.Layer != b.Layer:
		return cmp.Compare(b.Layer, a.Layer)
	case a.Priority != b.Priority:
		return cmp.Compare(b.Priority, a.Priority)
	}
	return strings.Compare(a.Path, b.Path)
}

// hit is a rule found for a path during one Select. Its reasons live inline (a rule
// rarely has more than two), so collecting allocates nothing per rule.
type hit struct {
	rule *Rule
	t    *table
	ri   int32
	// rank and prio are the rule's layer rank and priority, copied here so that sorting
	// hundreds of hits compares what is at hand instead of reaching into each rule.
	rank, prio int32
	n          int
	rs         [3]Reason
	more       []Reason
	spec       Specificity
}

// add records a reason the rule applies, and s, how specific that reason is (the
// hit keeps the most specific).
func (h *hit) add(r Reason, s Specificity) {
	if h.spec.Less(s) {
		h.spec = s
	}
	for i := 0; i < min(h.n, len(h.rs)); i++ {
		if h.rs[i] == r {
			return
		}
	}
	if slices.Contains(h.more, r) {
		return
	}
	if h.n < len(h.rs) {
		h.rs[h.n] = r
	} else {
		h.more = append(h.more, r)
	}
	h.n++
}

func (h *hit) first() Reason { return h.rs[0] }

// appendReasons copies the hit's reasons to dst.
func (h *hit) appendReasons(dst []Reason) []Reason {
	dst = append(dst, h.rs[:min(h.n, len(h.rs))]...)
	return append(dst, h.more...)
}

type scratch struct {
	hits []hit
	// seen holds, per rule of the table being collected, 1 + the index of its hit (0:
	// none yet); one for the base table and one for the delta.
	seen, seenDelta []int32
	// matched is one select's answer per distinct pattern of a table: 0 not tried yet,
	// 1 matches, 2 does not.
	matched []uint8
	order   []int32  // hits by importance
	keys    []uint64 // sortHits' keys
	// bodySeen holds, per body number (facts.body), 1 + the index in taken of the
	// applied rule with that text (0: none).
	bodySeen []int32
	taken    []*Rule // applied so far, for duplicates
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// marks returns buf sized for n rules, all unseen.
func marks(buf []int32, n int) []int32 {
	if cap(buf) < n {
		return make([]int32, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

// Select answers which rules apply to the file at rel (workspace-relative) of language
// lang ("" to guess from the name). It is safe for concurrent use. Rules that match on
// the file's content (Continue's regex) need SelectContent.
func (s *Set) Select(rel, lang string) Selection { return s.SelectContent(rel, lang, nil) }

// MaxContentBytes is how much of a file's content is matched against content patterns.
const MaxContentBytes = 1 << 20

// SelectContent is Select with the file's content (the open buffer, or the file on
// disk), for rules that match on it; nil content matches no content pattern.
func (s *Set) SelectContent(rel, lang string, content []byte) Selection {
	return s.SelectFor(rel, lang, content, "")
}

// SelectFor is SelectContent for an agent that says who it is (Copilot's
// coding-agent, code-review): a rule whose excludeAgent names it neither applies nor
// is offered. "" is any agent.
func (s *Set) SelectFor(rel, lang string, content []byte, agent string) Selection {
	return s.SelectReusing(nil, rel, lang, content, agent)
}

// Reuse is memory that a select and a budget build their answer in, taken back from
// the answer before: for a caller that answers many files, one at a time, and keeps
// nothing of an answer once it has used it (a server encodes each answer at once).
// At 10,000 rules a file has hundreds of applicable rules, and their matches and
// omissions were most of what an answer allocated. An answer made with a Reuse is
// valid until the Reuse is used again. The zero value is ready; a Reuse is not safe
// for concurrent use.
type Reuse struct {
	applied  []Match
	slab     []Reason
	omitted  []Omission
	included []Included
	order    []Included
	sections []section
	prompt   []byte
	sc       *scratch
}

// scratch is the working memory of a select in u, or from the pool for a nil u. A
// Reuse keeps its own: a sync.Pool hands a goroutine that moved to the other core, or
// that asks after a collection, a new one, and at 10,000 rules that is a hundred
// kilobytes grown again.
func (u *Reuse) scratch() *scratch {
	if u == nil {
		return scratchPool.Get().(*scratch)
	}
	if u.sc == nil {
		u.sc = new(scratch)
	}
	return u.sc
}

// reuse returns buf emptied, or a new slice with room for n when buf has less; the
// caller stores what it built back in its Reuse, so that a grown slice is kept.
func reuse[T any](buf []T, n int) []T {
	if buf == nil || cap(buf) < n {
		return make([]T, 0, n)
	}
	return buf[:0]
}

// SelectReusing is SelectFor building its answer in u (nil: in memory of its own).
func (s *Set) SelectReusing(u *Reuse, rel, lang string, content []byte, agent string) Selection {
	rel = relPath(rel)
	if len(content) > MaxContentBytes {
		content = content[:MaxContentBytes]
	}
	if lang == "" {
		lang = LanguageOf(rel)
	}
	sc := u.scratch()
	defer func() {
		clear(sc.hits) // drop pointers to rules of old sets
		sc.hits = sc.hits[:0]
		if u == nil {
			scratchPool.Put(sc)
		}
	}()
	base := path.Base(rel)
	sc.seen = marks(sc.seen, len(s.base.rules))
	s.collect(sc, s.base, sc.seen, rel, base, lang, content, s.dead)
	if s.delta != nil {
		sc.seenDelta = marks(sc.seenDelta, len(s.delta.rules))
		s.collect(sc, s.delta, sc.seenDelta, rel, base, lang, content, nil)
	}
	sel := Selection{Path: rel, Language: lang}
	var nApplied int
	bits := [2]langBit{s.base.langBit(lang), {}}
	if s.delta != nil {
		bits[1] = s.delta.langBit(lang)
	}
	for i := range sc.hits {
		h := &sc.hits[i]
		bit := bits[0]
		if h.t != s.base {
			bit = bits[1]
		}
		if !h.excluded(rel, base, lang, bit, content) && !ExcludesAgent(h.rule, agent) {
			if nApplied != i { // a hit is large: most stay where they are
				sc.hits[nApplied] = *h
			}
			if h.t == s.base {
				sc.seen[h.ri] = int32(nApplied) + 1 // where it is now, for sortHits
			}
			nApplied++
		}
	}
	hits := sc.hits[:nApplied]
	s.sortHits(sc, hits)
	total := 0
	for i := range hits {
		total += hits[i].n
	}
	// One slab holds every reason of the answer: two allocations however many rules.
	var slab []Reason
	if u != nil {
		slab, sel.Applied = reuse(u.slab, total), reuse(u.applied, len(hits))
		defer func() { u.slab, u.applied = slab, sel.Applied }()
	} else {
		slab, sel.Applied = make([]Reason, 0, total), make([]Match, 0, len(hits))
	}
	taken := sc.taken[:0]
	defer func() { clear(taken); sc.taken = taken[:0] }()
	nBodies := s.base.bodies
	if s.delta != nil {
		nBodies = s.delta.bodies
	}
	sc.bodySeen = marks(sc.bodySeen, int(nBodies))
	var prev *hit
	for _, i := range sc.order {
		h := &hits[i]
		disabled, shadowed := s.verdict(h.t, h.ri)
		switch {
		case disabled:
			sel.Omitted = append(sel.Omitted, Omission{Rule: h.rule, Reason: OmitDisabled})
			continue
		case shadowed:
			sel.Omitted = append(sel.Omitted, Omission{Rule: h.rule, Reason: OmitShadowed, Of: s.shadowedBy(h.rule)})
			continue
		}
		// The same text twice (a symlink, or CLAUDE.md = @AGENTS.md) is charged once:
		// the more important copy stays.
		if first := sameBody(h, taken, sc.bodySeen); first != nil {
			sel.Omitted = append(sel.Omitted, Omission{Rule: h.rule, Reason: OmitDuplicate, Of: first})
			continue
		}
		taken = append(taken, h.rule)
		sc.bodySeen[h.t.body[h.ri]] = int32(len(taken))
		start := len(slab)
		slab = h.appendReasons(slab)
		m := Match{Rule: h.rule, Reasons: slab[start:len(slab):len(slab)], Specificity: h.spec, section: h.t.section[h.ri],
			counted: h.t.flags[h.ri]&factCounted != 0, atLeast: h.t.atLeast[h.ri]}
		if prev != nil {
			m.After, m.TieBreak, m.afterSpec = prev.rule, tieBreak(prev, h), prev.spec
		}
		prev = h
		sel.Applied = append(sel.Applied, m)
	}
	sel.Available = s.available()
	if agent != "" {
		sel.Available = slices.DeleteFunc(slices.Clone(sel.Available), func(r *Rule) bool { return ExcludesAgent(r, agent) })
	}
	return sel
}

// ExcludesAgent reports whether r's excludeAgent names agent (never for agent "").
func ExcludesAgent(r *Rule, agent string) bool {
	return agent != "" && slices.Contains(r.ExcludeAgent, agent)
}

// collect gathers the rules of t whose positive patterns, alwaysApply or language
// match, without checking exclusions yet.
func (s *Set) collect(sc *scratch, t *table, seen []int32, rel, base, lang string, content []byte, dead map[string]bool) {
	bit := t.langBit(lang)
	add := func(ri int32, rs Reason, spec Specificity) {
		if i := seen[ri]; i > 0 {
			if rs.Kind == ReasonGlob {
				sc.hits[i-1].add(rs, spec)
			}
			return
		}
		// A rule found by a glob first, limited to other languages, would be left out
		// (hit.excluded): in the benchmark's workspace, about half of what the globs find.
		if rs.Kind == ReasonGlob && bit.excludes(t, ri) {
			return
		}
		r := t.rules[ri]
		if len(dead) > 0 && dead[r.Path] {
			return
		}
		seen[ri] = int32(len(sc.hits)) + 1
		sc.hits = append(sc.hits, hit{rule: r, t: t, ri: ri, rank: int32(s.Rank(t.layer[ri])), prio: t.prio[ri]})
		sc.hits[len(sc.hits)-1].add(rs, spec)
	}
	for _, ri := range t.always {
		add(ri, Reason{Kind: ReasonAlways}, Specificity{Tier: TierAlways})
	}
	if len(t.folder) > 0 {
		for _, ri := range t.folder[""] {
			add(ri, Reason{Kind: ReasonFolder}, Specificity{Tier: TierAlways})
		}
		depth := 0
		for i := 0; i < len(rel); i++ {
			if rel[i] == '/' {
				depth++
				for _, ri := range t.folder[rel[:i]] {
					add(ri, Reason{Kind: ReasonFolder, Detail: rel[:i]}, Specificity{Tier: TierFolder, Depth: depth})
				}
			}
		}
	}
	if content != nil {
		for _, ri := range t.regexOnly {
			if re := t.matchRegex(ri, content); re != "" {
				add(ri, Reason{Kind: ReasonRegex, Detail: re}, Specificity{Tier: TierExtension})
			}
		}
	}
	if lang != "" {
		for _, ri := range t.langOnly[lang] {
			add(ri, Reason{Kind: ReasonLanguage, Detail: lang}, Specificity{Tier: TierLanguage})
		}
	}
	if cap(sc.matched) < int(t.distinct) {
		sc.matched = make([]uint8, t.distinct)
	}
	matched := sc.matched[:t.distinct]
	clear(matched)
	try := func(refs []ref) {
		for _, rf := range refs {
			// Most refs of a bucket do not match: their patterns are not even read.
			m := matched[rf.id]
			if m == 0 {
				m = 2
				if rf.p.matches(rel, base) {
					m = 1
				}
				matched[rf.id] = m
			}
			if m == 1 {
				add(rf.rule, Reason{Kind: ReasonGlob, Detail: rf.p.raw}, rf.p.spec)
			}
		}
	}
	try(t.exact[rel])
	try(t.base[base])
	if len(t.suffix) > 0 {
		// Exact suffix keys: a hit is a match, and a base name has few suffixes.
		for i := range len(base) {
			try(t.suffix[base[i:]])
		}
	}
	if ext := extOf(base); ext != "" {
		try(t.ext[ext])
	}
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' {
			try(t.prefix[rel[:i+1]])
		}
	}
	try(t.other)
}

// excluded applies what collect left out: a negated glob, or a language the glob rule
// is limited to.
func (h *hit) excluded(rel, base, lang string, bit langBit, content []byte) bool {
	if h.first().Kind != ReasonGlob {
		return false
	}
	f := h.t.flags[h.ri]
	if f == 0 {
		return false
	}
	if f&factRegex != 0 {
		// Globs and content patterns both: both must match (Continue).
		re := ""
		if content != nil {
			re = h.t.matchRegex(h.ri, content)
		}
		if re == "" {
			return true
		}
		defer h.add(Reason{Kind: ReasonRegex, Detail: re}, Specificity{Tier: TierExtension})
	}
	if f&factNegation != 0 {
		for i := range h.t.neg[h.ri] {
			if h.t.neg[h.ri][i].matches(rel, base) {
				return true
			}
		}
	}
	if f&factLanguage == 0 {
		return false
	}
	in := bit.in(h.t, h.ri)
	if !in && f&factLangSlow != 0 {
		in = slices.Contains(h.rule.Language, lang)
	}
	if !in {
		return true
	}
	h.add(Reason{Kind: ReasonLanguage, Detail: lang}, Specificity{Tier: TierLanguage})
	return false
}

// available lists the active agent-requested rules, in rule order. It is the same for
// every path, so it is computed once per Set; callers must not modify it.
func (s *Set) available() []*Rule {
	s.agentOnce.Do(func() { s.agentList = s.computeAvailable() })
	return s.agentList
}

func (s *Set) computeAvailable() []*Rule {
	var out []*Rule
	pick := func(t *table, dead map[string]bool) {
		for _, ri := range t.agent {
			r := t.rules[ri]
			if !dead[r.Path] && !s.Disabled(r) && !s.Shadowed(r) {
				out = append(out, r)
			}
		}
	}
	pick(s.base, s.dead)
	if s.delta != nil {
		pick(s.delta, nil)
	}
	slices.SortFunc(out, Compare)
	return out
}

// Explanation says for one rule whether it applies to a file and why, or why not.
type Explanation struct {
	Rule    *Rule
	Applies bool
	Why     string
}

// Explain evaluates every rule of the set against one file, for humans debugging their
// globs. It is the slow path: it tries every pattern of every rule.
func (s *Set) Explain(rel, lang string) []Explanation { return s.ExplainContent(rel, lang, nil) }

// ExplainContent is Explain with the file's content, as SelectContent.
func (s *Set) ExplainContent(rel, lang string, content []byte) []Explanation {
	sel := s.SelectContent(rel, lang, content)
	rel, lang = sel.Path, sel.Language
	applied := map[*Rule]Match{}
	for _, m := range sel.Applied {
		applied[m.Rule] = m
	}
	omitted := map[*Rule]Omission{}
	for _, o := range sel.Omitted {
		omitted[o.Rule] = o
	}
	var out []Explanation
	for _, r := range s.Rules() {
		e := Explanation{Rule: r}
		if m, ok := applied[r]; ok {
			e.Applies = true
			e.Why = joinReasons(m.Reasons) + "; " + m.Specificity.String()
			if o := m.Order(); o != "" {
				e.Why += "; " + o
			}
		} else if o, ok := omitted[r]; ok {
			e.Why = "would apply, but " + o.Reason
			switch {
			case o.Reason == OmitShadowed && o.Of != nil && o.Of.IsAgentsOverride():
				e.Why += " by " + o.Of.ID + " (AGENTS.override.md)"
			case o.Reason == OmitShadowed:
				e.Why += " by a rule with the same id in a higher layer"
			case o.Reason == OmitDuplicate:
				e.Why += ": the same text as " + o.Of.ID + ", counted once"
			}
		} else {
			e.Why = whyNot(r, rel, lang)
		}
		out = append(out, e)
	}
	// Applied rules first, in the selection's order; then the others in rule order.
	rank := map[*Rule]int{}
	for i, m := range sel.Applied {
		rank[m.Rule] = i + 1
	}
	slices.SortStableFunc(out, func(a, b Explanation) int {
		ra, rb := rank[a.Rule], rank[b.Rule]
		switch {
		case ra > 0 && rb > 0:
			return ra - rb
		case ra > 0:
			return -1
		case rb > 0:
			return 1
		}
		return Compare(a.Rule, b.Rule)
	})
	return out
}

func joinReasons(rs []Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

func whyNot(r *Rule, rel, lang string) string {
	base := path.Base(rel)
	switch {
	case r.Unreadable():
		return "unreadable: fix its errors first"
	case r.Manual:
		return "manual: applied only when named (@-mention), never automatically"
	case r.AgentRequested() && r.Format == FormatDependency && r.Sub != "":
		return "a dependency sub-rule the project did not opt in (mix.exs usage_rules); offered by description"
	case r.AgentRequested() && r.Format == FormatDependency:
		return "a dependency rule the project's usage_rules list leaves out; offered by description"
	case r.AgentRequested():
		return "agent-requested: no globs, language or alwaysApply; offered by description"
	case r.FolderScoped():
		return "folder file of " + r.Dir + "/, which does not hold " + rel
	case len(r.Globs) == 0 && len(r.Regex) > 0:
		return "the content does not match " + strings.Join(r.Regex, ", ") + " (or no content was given)"
	case len(r.Globs) == 0:
		return "language " + strings.Join(r.Language, ", ") + " does not include " + orNone(lang)
	}
	var pos, negHit []string
	matched := false
	for _, g := range r.Globs {
		neg, isNeg := cutNegation(g)
		for _, p := range compileGlob(neg) {
			if p.matches(rel, base) {
				if isNeg {
					negHit = append(negHit, g)
				} else {
					matched = true
				}
				break
			}
		}
		if !isNeg {
			pos = append(pos, g)
		}
	}
	switch {
	case !matched:
		return "no glob matches (" + strings.Join(pos, ", ") + ")"
	case len(negHit) > 0:
		return "excluded by " + strings.Join(negHit, ", ")
	case len(r.Regex) > 0:
		return "globs match, but the content does not match " + strings.Join(r.Regex, ", ") + " (or no content was given)"
	}
	return "globs match, but language " + orNone(lang) + " is not in " + strings.Join(r.Language, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}
