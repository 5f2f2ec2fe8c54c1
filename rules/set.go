package rules

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
)

// Set is an immutable, compiled collection of rules ready for selection. Patterns are
// parsed and bucketed once, when the set is built, so selecting for a path only looks up
// a few maps and runs the patterns that could match.
//
// A Set changes by With, which returns a new Set sharing the compiled bulk with the old
// one: a small delta table sits on top of the base table and hides the base's changed
// files, so one edited rule costs a compile of that rule, not of all of them.
type Set struct {
	base     *table
	delta    *table
	dead     map[string]bool // paths in base that delta replaced or removed
	disabled map[string]bool // rule ids disabled by configuration
	// disabledGlobs are doublestar globs of ids disabled by configuration.
	disabledGlobs []string
	// rank orders the layers: a higher rank wins (default: the Layer value).
	rank [len(layerNames)]int

	agentOnce *sync.Once
	agentList []*Rule
	verdicts  *verdicts // verdict.go; new with every change of the set
}

// MatchesContent reports whether some rule of the set matches on a file's content
// (Continue's regex): only then can the content change an answer.
func (s *Set) MatchesContent() bool {
	return s.base.content || (s.delta != nil && s.delta.content)
}

// SetOptions configure a Set.
type SetOptions struct {
	// Disabled lists rule ids, or doublestar globs of ids, turned off by
	// configuration: indexed, never applied.
	Disabled []string
	// Layers orders the layers, highest first; layers it leaves out follow in the
	// default order (user, project, team, dependency). Nil is the default.
	Layers []Layer
}

// layerRanks turns a layer order into ranks (higher wins).
func layerRanks(order []Layer) [len(layerNames)]int {
	var rank [len(layerNames)]int
	full := make([]Layer, 0, len(layerNames))
	seen := map[Layer]bool{}
	for _, l := range order {
		if l >= 0 && int(l) < len(layerNames) && !seen[l] {
			seen[l] = true
			full = append(full, l)
		}
	}
	for l := Layer(len(layerNames) - 1); l >= 0; l-- {
		if !seen[l] {
			full = append(full, l)
		}
	}
	for i, l := range full {
		rank[l] = len(full) - i
	}
	return rank
}

// Rank is the rank of a layer in this set's order: a higher rank wins.
func (s *Set) Rank(l Layer) int {
	if l < 0 || int(l) >= len(s.rank) {
		return -1
	}
	return s.rank[l]
}

func (s *Set) setDisabled(ids []string) {
	s.disabled = map[string]bool{}
	s.disabledGlobs = nil
	for _, id := range ids {
		if strings.ContainsAny(id, "*?[{") {
			s.disabledGlobs = append(s.disabledGlobs, id)
		} else {
			s.disabled[id] = true
		}
	}
}

// NewSet compiles rules into a Set. Several rules may share an id across layers; the
// highest layer shadows the others. Two rules with the same path: the last one wins.
func NewSet(rs []*Rule, opt SetOptions) *Set {
	s := &Set{agentOnce: &sync.Once{}, rank: layerRanks(opt.Layers), verdicts: &verdicts{}}
	s.setDisabled(opt.Disabled)
	s.base = newTable(dedupe(rs), nil)
	return s
}

func dedupe(rs []*Rule) []*Rule {
	seen := make(map[string]int, len(rs))
	out := make([]*Rule, 0, len(rs))
	for _, r := range rs {
		if i, ok := seen[r.Path]; ok {
			out[i] = r
			continue
		}
		seen[r.Path] = len(out)
		out = append(out, r)
	}
	return out
}

// deltaLimit is how big the delta may grow before With recompiles everything.
func (s *Set) deltaLimit() int { return 64 + len(s.base.rules)/16 }

// With returns a Set where upserts replace or add rules (by path) and the rules at the
// removed paths are gone. s itself is unchanged.
func (s *Set) With(upserts []*Rule, removed []string) *Set {
	n := &Set{base: s.base, disabled: s.disabled, disabledGlobs: s.disabledGlobs, rank: s.rank, agentOnce: &sync.Once{}, verdicts: &verdicts{},
		dead: make(map[string]bool, len(s.dead)+len(upserts)+len(removed))}
	for p := range s.dead {
		n.dead[p] = true
	}
	cur := map[string]*Rule{}
	if s.delta != nil {
		for _, r := range s.delta.rules {
			cur[r.Path] = r
		}
	}
	for _, p := range removed {
		delete(cur, p)
		if _, ok := s.base.byPath[p]; ok {
			n.dead[p] = true
		}
	}
	for _, r := range upserts {
		cur[r.Path] = r
		if _, ok := s.base.byPath[r.Path]; ok {
			n.dead[r.Path] = true
		}
	}
	if len(cur)+len(n.dead) > s.deltaLimit() {
		all := make([]*Rule, 0, len(s.base.rules)+len(cur))
		for _, r := range s.base.rules {
			if !n.dead[r.Path] {
				all = append(all, r)
			}
		}
		all = append(all, sortedRules(cur)...)
		return &Set{base: newTable(all, nil), disabled: s.disabled, disabledGlobs: s.disabledGlobs, rank: s.rank, agentOnce: &sync.Once{}, verdicts: &verdicts{}}
	}
	if len(cur) > 0 {
		n.delta = newTable(sortedRules(cur), s.base)
	}
	return n
}

// DisabledIDs lists the ids and globs of ids the set has disabled by configuration,
// sorted.
func (s *Set) DisabledIDs() []string {
	out := make([]string, 0, len(s.disabled)+len(s.disabledGlobs))
	for id := range s.disabled {
		out = append(out, id)
	}
	out = append(out, s.disabledGlobs...)
	slices.Sort(out)
	return out
}

// WithDisabled returns a Set with another list of configuration-disabled ids.
func (s *Set) WithDisabled(ids []string) *Set {
	n := *s
	n.agentOnce, n.agentList, n.verdicts = &sync.Once{}, nil, &verdicts{}
	n.setDisabled(ids)
	return &n
}

func sortedRules(m map[string]*Rule) []*Rule {
	out := make([]*Rule, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Rules returns every rule of the set (active or not), sorted by path.
func (s *Set) Rules() []*Rule {
	out := make([]*Rule, 0, s.Len())
	s.each(func(r *Rule) { out = append(out, r) })
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Len is the number of rules in the set.
func (s *Set) Len() int {
	n := len(s.base.rules) - len(s.dead)
	if s.delta != nil {
		n += len(s.delta.rules)
	}
	return n
}

// Rule returns the rule read from path, or nil.
func (s *Set) Rule(path string) *Rule {
	if s.delta != nil {
		if i, ok := s.delta.byPath[path]; ok {
			return s.delta.rules[i]
		}
	}
	if s.dead[path] {
		return nil
	}
	if i, ok := s.base.byPath[path]; ok {
		return s.base.rules[i]
	}
	return nil
}

func (s *Set) each(fn func(*Rule)) {
	for _, r := range s.base.rules {
		if !s.dead[r.Path] {
			fn(r)
		}
	}
	if s.delta != nil {
		for _, r := range s.delta.rules {
			fn(r)
		}
	}
}

// topRank is the highest layer rank that has a live rule with this id.
func (s *Set) topRank(id string) int {
	top := -1
	if s.delta != nil {
		for _, i := range s.delta.byID[id] {
			top = max(top, s.Rank(s.delta.rules[i].Layer))
		}
	}
	for _, i := range s.base.byID[id] {
		if r := s.base.rules[i]; !s.dead[r.Path] {
			top = max(top, s.Rank(r.Layer))
		}
	}
	return top
}

// Disabled reports whether r is kept from applying, by its status or by configuration.
// An enforced team rule ignores the configuration (enforced.go).
func (s *Set) Disabled(r *Rule) bool {
	if !r.Active() {
		return true
	}
	if r.IsEnforced() {
		return false
	}
	if s.disabled[r.ID] {
		return true
	}
	for _, g := range s.disabledGlobs {
		if ok, _ := doublestar.Match(g, r.ID); ok {
			return true
		}
	}
	return false
}

// Shadowed reports whether a rule with r's id in a higher layer hides r, an enforced
// team rule with r's id overrides it (enforced.go), or an AGENTS.override.md replaces
// the AGENTS.md r of its folder.
func (s *Set) Shadowed(r *Rule) bool {
	if e := s.Enforcer(r.ID); e != nil {
		return e != r
	}
	return s.topRank(r.ID) > s.Rank(r.Layer) || s.override(r) != nil
}

// shadowedBy is the rule that hides r when it is an AGENTS.override.md, else nil.
func (s *Set) shadowedBy(r *Rule) *Rule { return s.override(r) }

// override returns the live AGENTS.override.md that replaces r, when r is an AGENTS.md.
func (s *Set) override(r *Rule) *Rule {
	if r.Format != FormatAgents || r.IsAgentsOverride() {
		return nil
	}
	var found *Rule
	look := func(t *table, dead map[string]bool) {
		for _, i := range t.byID[r.ID] {
			if o := t.rules[i]; !dead[o.Path] && o.Layer == r.Layer && o.IsAgentsOverride() && o.Dir == r.Dir {
				found = o
			}
		}
	}
	look(s.base, s.dead)
	if s.delta != nil {
		look(s.delta, nil)
	}
	return found
}

// matchRegex returns the first content pattern of rule ri that matches, or "".
func (t *table) matchRegex(ri int32, content []byte) string {
	for _, re := range t.re[ri] {
		if re.Match(content) {
			return re.String()
		}
	}
	return ""
}

// table is the compiled, bucketed form of a list of rules.
type table struct {
	rules  []*Rule
	byPath map[string]int32
	byID   map[string][]int32
	pos    [][]pattern // per rule: positive patterns
	neg    [][]pattern // per rule: negative patterns

	always    []int32
	langOnly  map[string][]int32 // language → rules with language but no globs
	agent     []int32
	folder    map[string][]int32 // folder → folder files (AGENTS.md, …) scoping it
	regexOnly []int32            // rules matched by content patterns only
	re        [][]*regexp.Regexp // per rule: content patterns
	content   bool               // some rule has a content pattern

	exact  map[string][]ref
	base   map[string][]ref
	suffix map[string][]ref // keyed by the literal suffix: every suffix of a base name is looked up
	prefix map[string][]ref
	ext    map[string][]ref
	other  []ref
	facts
	// distinct counts the distinct positive patterns: rules of one workspace share a
	// handful of globs (**/*.go, apps/*/lib/**), so a select matches each once (see
	// collect) however many rules carry it.
	distinct int32
	// pathRank is each rule's rank by path in the table and byRank its inverse, made
	// on the first select that needs them (sortHits).
	rankOnce         sync.Once
	pathRank, byRank []int32
}

// rankPaths fills pathRank and byRank.
func (t *table) rankPaths() {
	t.byRank = make([]int32, len(t.rules))
	for i := range t.byRank {
		t.byRank[i] = int32(i)
	}
	slices.SortFunc(t.byRank, func(a, b int32) int { return strings.Compare(t.rules[a].Path, t.rules[b].Path) })
	t.pathRank = make([]int32, len(t.rules))
	for rank, ri := range t.byRank {
		t.pathRank[ri] = int32(rank)
	}
}

// ref points at one positive pattern of one rule; id numbers its pattern among the
// table's distinct ones. p is the pattern itself, compiled once for every rule that
// writes the same glob: a select reads the patterns of hundreds of refs, and a few
// shared ones stay in the cache where a copy per rule would not.
type ref struct {
	rule, id int32
	p        *pattern
}

// newTable compiles rs; base is the table a delta is built over (nil for a base).
func newTable(rs []*Rule, base *table) *table {
	t := &table{
		rules:    rs,
		byPath:   make(map[string]int32, len(rs)),
		byID:     make(map[string][]int32, len(rs)),
		pos:      make([][]pattern, len(rs)),
		neg:      make([][]pattern, len(rs)),
		langOnly: map[string][]int32{},
		re:       make([][]*regexp.Regexp, len(rs)),
		exact:    map[string][]ref{},
		base:     map[string][]ref{},
		suffix:   map[string][]ref{},
		prefix:   map[string][]ref{},
		ext:      map[string][]ref{},
	}
	ids := map[string]int32{}
	// A workspace's rules share a handful of globs: each is compiled once.
	compiled := map[string][]pattern{}
	compile := func(g string) []pattern {
		ps, ok := compiled[g]
		if !ok {
			ps = compileGlob(g)
			compiled[g] = ps
		}
		return ps
	}
	for i, r := range rs {
		ri := int32(i)
		t.byPath[r.Path] = ri
		t.byID[r.ID] = append(t.byID[r.ID], ri)
		switch {
		case r.Unreadable(), r.Manual:
			// What an unreadable file says is unknown, and a manual rule applies only
			// when a user names it: neither applies nor is offered.
			continue
		case r.FolderScoped():
			if t.folder == nil {
				t.folder = map[string][]int32{}
			}
			t.folder[r.Dir] = append(t.folder[r.Dir], ri)
			continue
		case r.AlwaysApply:
			t.always = append(t.always, ri)
			continue
		case r.AgentRequested():
			t.agent = append(t.agent, ri)
			continue
		}
		for _, x := range r.Regex {
			if re, err := regexp.Compile(x); err == nil {
				t.re[i] = append(t.re[i], re)
				t.content = true
			}
		}
		switch {
		case len(r.Globs) == 0 && len(r.Regex) > 0:
			if len(t.re[i]) > 0 {
				t.regexOnly = append(t.regexOnly, ri)
			}
			continue
		case len(r.Globs) == 0:
			for _, l := range r.Language {
				t.langOnly[l] = append(t.langOnly[l], ri)
			}
			continue
		}
		for _, g := range r.Globs {
			if neg, ok := cutNegation(g); ok {
				t.neg[i] = append(t.neg[i], compile(neg)...)
				continue
			}
			ps := compile(g)
			for k := range ps {
				p := &ps[k]
				t.pos[i] = append(t.pos[i], *p)
				// The normalised pattern decides a match (kind, literal and tail are
				// derived from it); the raw glob only names it in reasons.
				id, ok := ids[p.norm]
				if !ok {
					id = int32(len(ids))
					ids[p.norm] = id
				}
				rf := ref{rule: ri, id: id, p: p}
				switch p.kind {
				case kindExact:
					t.exact[p.lit] = append(t.exact[p.lit], rf)
				case kindBase:
					t.base[p.lit] = append(t.base[p.lit], rf)
				case kindSuffix:
					t.suffix[p.lit] = append(t.suffix[p.lit], rf)
				case kindPrefix:
					t.prefix[p.lit] = append(t.prefix[p.lit], rf)
				case kindExt:
					t.ext[p.lit] = append(t.ext[p.lit], rf)
				case kindNone: // over the cost bounds: matches nothing
				default:
					t.other = append(t.other, rf)
				}
			}
		}
	}
	t.distinct = int32(len(ids))
	t.buildFacts(base)
	return t
}

func cutNegation(g string) (string, bool) {
	if len(g) > 1 && g[0] == '!' {
		return g[1:], true
	}
	return g, false
}
