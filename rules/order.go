package rules

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Specificity is how narrowly a rule targets one file: the tier of its most specific
// reason, then, within a tier, how deep the folder it names is.
type Specificity struct {
	Tier  SpecTier
	Depth int // folders named (a folder file's depth, or a glob's literal folders)
}

// SpecTier ranks the reasons a rule applies, least specific first.
type SpecTier uint8

// The tiers.
const (
	TierAlways    SpecTier = iota // alwaysApply, `**`, `*`, a root AGENTS.md
	TierLanguage                  // the file's language
	TierExtension                 // a glob naming only an extension (*.go, **/*.ts), or a content pattern
	TierFolder                    // a glob naming a literal folder, or an enclosing folder's AGENTS.md
	TierFile                      // a glob naming the file itself (mix.exs, lib/app.ex)
)

var tierNames = [...]string{"always", "language", "extension", "folder", "file"}

func (t SpecTier) String() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return "unknown"
}

func (s Specificity) String() string {
	if s.Depth > 0 {
		return fmt.Sprintf("specificity %s (depth %d)", s.Tier, s.Depth)
	}
	return "specificity " + s.Tier.String()
}

// Less reports whether s is less specific than o.
func (s Specificity) Less(o Specificity) bool {
	if s.Tier != o.Tier {
		return s.Tier < o.Tier
	}
	return s.Depth < o.Depth
}

// globSpecificity ranks a glob by what it names literally: the file, a folder, only an
// extension, or nothing (`**`), given its compiled patterns. Brace alternatives count
// by their least specific one.
func globSpecificity(pats []pattern) Specificity {
	var out Specificity
	for i, p := range pats {
		s := patternSpecificity(p.norm)
		if i == 0 || s.Less(out) {
			out = s
		}
	}
	return out
}

func patternSpecificity(norm string) Specificity {
	parts := strings.Split(norm, "/")
	last := parts[len(parts)-1]
	depth := 0
	for _, p := range parts[:len(parts)-1] {
		if p != "" && !strings.ContainsAny(p, meta) {
			depth++
		}
	}
	switch {
	case last != "" && !strings.ContainsAny(last, meta):
		return Specificity{Tier: TierFile, Depth: depth}
	case depth > 0:
		return Specificity{Tier: TierFolder, Depth: depth}
	}
	if dot := strings.LastIndexByte(last, '.'); dot >= 0 && len(last) > dot+1 && !strings.ContainsAny(last[dot:], meta) {
		return Specificity{Tier: TierExtension}
	}
	return Specificity{Tier: TierAlways}
}

// compareHits is the order of applied rules for one file: layer (by the set's
// ranks), priority, specificity (more specific first), path.
func (s *Set) compareHits(a, b *hit) int {
	switch {
	case a.rank != b.rank:
		return int(b.rank - a.rank)
	case a.prio != b.prio:
		return int(b.prio - a.prio)
	case a.spec != b.spec:
		if b.spec.Less(a.spec) {
			return -1
		}
		return 1
	}
	return strings.Compare(a.rule.Path, b.rule.Path)
}

// sortHits fills sc.order with the indexes of hits in compareHits order. What
// compareHits compares before the path packs into the high bits of one number per hit
// (hitKey). When every hit is of the base table and there is no delta, the rule's
// rank by path fills the low bits, and sc.seen (1 + the index of each base rule's hit,
// as the select leaves it) leads back to the hit; otherwise the hit's index does, and
// hits equal on every other key are compared by path. A value outside the packed
// ranges sorts with compareHits itself.
func (s *Set) sortHits(sc *scratch, hits []hit) {
	sc.order = sc.order[:0]
	keys := sc.keys[:0]
	packed := len(hits) <= hitIndexMask+1
	for i := 0; packed && i < len(hits); i++ {
		k, ok := hitKey(&hits[i])
		keys = append(keys, k<<hitIndexBits|uint64(i))
		packed = ok
	}
	sc.keys = keys
	if !packed {
		for i := range hits {
			sc.order = append(sc.order, int32(i))
		}
		slices.SortFunc(sc.order, func(a, b int32) int { return s.compareHits(&hits[a], &hits[b]) })
		return
	}
	if t := s.base; s.delta == nil && len(t.rules) <= hitIndexMask+1 && allOf(hits, t) {
		// Every hit is of one table: its rank by path takes the low bits instead of
		// the hit's index, so one integer sort is the whole order, and sc.seen leads
		// from a rule back to its hit.
		t.rankOnce.Do(t.rankPaths)
		for i := range keys {
			keys[i] = keys[i]&^hitIndexMask | uint64(t.pathRank[hits[i].ri])
		}
		slices.Sort(keys)
		for _, k := range keys {
			sc.order = append(sc.order, sc.seen[t.byRank[k&hitIndexMask]]-1)
		}
		return
	}
	slices.Sort(keys)
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && keys[end]>>hitIndexBits == keys[start]>>hitIndexBits {
			end++
		}
		if end-start > 1 {
			slices.SortFunc(keys[start:end], func(a, b uint64) int {
				return strings.Compare(hits[a&hitIndexMask].rule.Path, hits[b&hitIndexMask].rule.Path)
			})
		}
		start = end
	}
	for _, k := range keys {
		sc.order = append(sc.order, int32(k&hitIndexMask))
	}
}

// allOf reports whether every hit is of table t.
func allOf(hits []hit, t *table) bool {
	for i := range hits {
		if hits[i].t != t {
			return false
		}
	}
	return true
}

// hitKey's layout: from the top, 4 bits of layer rank, 24 of priority, 3 of tier and
// 12 of depth, each stored so that the more important hit has the smaller key; the
// hit's index takes the low hitIndexBits.
const (
	hitIndexBits = 21
	hitIndexMask = 1<<hitIndexBits - 1
	prioBits     = 24
	depthBits    = 12
)

// hitKey packs a hit's layer rank, priority and specificity; ok is false when one is
// out of its range.
func hitKey(h *hit) (key uint64, ok bool) {
	rank := int64(h.rank) + 1 // Rank is -1 for an unknown layer
	prio := int64(h.prio) + 1<<(prioBits-1)
	tier, depth := int64(h.spec.Tier), int64(h.spec.Depth)
	if rank < 0 || rank > 15 || prio < 0 || prio >= 1<<prioBits || tier > 7 || depth < 0 || depth >= 1<<depthBits {
		return 0, false
	}
	key = uint64(15 - rank)
	key = key<<prioBits | uint64(1<<prioBits-1-prio)
	key = key<<3 | uint64(7-tier)
	key = key<<depthBits | uint64(1<<depthBits-1-depth)
	return key, true
}

// tieBreak is the key of the order that put cur after prev. It reads the copies the
// hits hold of what the order compared, not the rules: a select names the tie-break of
// hundreds of rules, and reaching into each was a cache miss apiece.
func tieBreak(prev, cur *hit) TieBreak {
	switch {
	case prev.rank != cur.rank:
		return ByLayer
	case prev.prio != cur.prio:
		return ByPriority
	case prev.spec != cur.spec:
		return BySpecificity
	}
	return ByPath
}

// minInlined is the shortest dependency rule body looked for inside other rules: a
// shorter one could appear by chance.
const minInlined = 64

// sameBody returns the applied rule (of taken) with h's text, or nil: by body number,
// and, for a dependency rule, also an applied rule that holds its text (usage_rules
// inlines them into AGENTS.md or CLAUDE.md).
func sameBody(h *hit, taken []*Rule, bodySeen []int32) *Rule {
	if h.t.flags[h.ri]&factDependency != 0 {
		if b := strings.TrimSpace(h.rule.Text()); len(b) >= minInlined {
			for _, t := range taken {
				if strings.Contains(t.Text(), b) {
					return t
				}
			}
		}
	}
	if j := bodySeen[h.t.body[h.ri]]; j > 0 {
		return taken[j-1]
	}
	return nil
}

func specWords(s Specificity) string {
	if s.Depth > 0 {
		return fmt.Sprintf("%s depth %d", s.Tier, s.Depth)
	}
	return s.Tier.String()
}

// bodyCell caches a rule's body identity.
type bodyCell struct {
	once sync.Once
	key  string
}

// identityOf is the identity of a body: the hash of its trimmed text.
func identityOf(body string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(body)))
	return string(sum[:])
}

// bodyIdentity is what makes two rules the same text: the hash of the body (after
// frontmatter and @import inlining), trimmed.
func (r *Rule) bodyIdentity() string {
	if r.bodyKey == nil {
		return identityOf(r.Text())
	}
	r.bodyKey.once.Do(func() { r.bodyKey.key = identityOf(r.Text()) })
	return r.bodyKey.key
}

// renderOrder sorts included rules for the prompt: general before specific, so that
// nearer or narrower text refines what came before; ties keep the selection order.
func renderOrder(u *Reuse, rs []Included) []Included {
	var out []Included
	if u != nil {
		out = append(reuse(u.order, len(rs)), rs...)
		defer func() { u.order = out }()
	} else {
		out = append([]Included(nil), rs...)
	}
	// Insertion sort: stable, and a prompt holds few rules.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Specificity.Less(out[j-1].Specificity); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
