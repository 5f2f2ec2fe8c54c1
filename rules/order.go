package rules

import (
	"crypto/sha256"
	"fmt"
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

func (h *hit) specificity() Specificity {
	var best Specificity
	check := func(r Reason) {
		if s := reasonSpecificity(r); best.Less(s) {
			best = s
		}
	}
	for i := 0; i < min(h.n, len(h.rs)); i++ {
		check(h.rs[i])
	}
	for _, r := range h.more {
		check(r)
	}
	return best
}

func reasonSpecificity(r Reason) Specificity {
	switch r.Kind {
	case ReasonFolder:
		if r.Detail == "" {
			return Specificity{Tier: TierAlways}
		}
		return Specificity{Tier: TierFolder, Depth: strings.Count(r.Detail, "/") + 1}
	case ReasonGlob:
		return globSpecificity(r.Detail)
	case ReasonLanguage:
		return Specificity{Tier: TierLanguage}
	case ReasonRegex:
		return Specificity{Tier: TierExtension}
	}
	return Specificity{Tier: TierAlways}
}

var globSpecCache sync.Map // glob as written → Specificity

// globSpecificity ranks a glob by what it names literally: the file, a folder, only an
// extension, or nothing (`**`). Brace alternatives count by their least specific one.
func globSpecificity(raw string) Specificity {
	if v, ok := globSpecCache.Load(raw); ok {
		return v.(Specificity)
	}
	pats := compileGlob(strings.TrimPrefix(raw, "!"))
	var out Specificity
	for i, p := range pats {
		s := patternSpecificity(p.norm)
		if i == 0 || s.Less(out) {
			out = s
		}
	}
	globSpecCache.Store(raw, out)
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

// tieBreak is the key of the order that put cur after prev.
func tieBreak(prev, cur *hit) TieBreak {
	a, b := prev.rule, cur.rule
	switch {
	case a.Layer != b.Layer:
		return ByLayer
	case a.Priority != b.Priority:
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
func renderOrder(rs []Included) []Included {
	out := append([]Included(nil), rs...)
	// Insertion sort: stable, and a prompt holds few rules.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Specificity.Less(out[j-1].Specificity); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
