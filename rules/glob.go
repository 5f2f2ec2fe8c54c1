package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// patKind says how a compiled pattern is found for a path without trying it.
type patKind uint8

const (
	kindExact  patKind = iota // literal path: a map lookup decides
	kindBase                  // **/literal: the base name decides
	kindSuffix                // **/*literal: the base name's suffix decides
	kindPrefix                // literal/dir/ then wildcards: found by prefix, then matched
	kindExt                   // ends in a literal .ext: found by extension, then matched
	kindOther                 // tried for every path
	kindNone                  // matches nothing: a glob over the cost bounds
)

// pattern is one glob after brace expansion and normalisation.
type pattern struct {
	raw  string // as the rule wrote it (before expansion), for reasons
	norm string // workspace-relative, doublestar syntax
	lit  string // the literal the bucket is keyed by (suffix for kindSuffix)
	kind patKind
	// spec is how specific the glob as written is (globSpecificity): what a rule that
	// applies by this pattern is ordered by.
	spec Specificity
	// A pattern head/**/tail whose tail has no ** matches the last tailSegs segments
	// of a path against tail and the rest against head (anything when head is ""),
	// instead of letting doublestar retry the tail at every depth.
	head, tail string
	tailSegs   int
}

// Bounds on one glob, checked when a rule is parsed (AIR006) and again when a glob is
// compiled, so that matching one path against one glob has a bounded cost. Braces are
// always expanded here, never handed to doublestar: its brace matching backtracks once
// per alternative of every group, exponentially in the number of groups. Without
// braces it keeps one backtrack point per kind of star, so one expanded pattern costs
// about len(path) steps per wildcard; the wildcards of all the expanded patterns
// together bound the cost of the glob.
const (
	maxBraceExpansion = 64  // patterns one glob's braces may expand to
	maxGlobLen        = 256 // bytes of one glob as written
	maxGlobWildcards  = 64  // *, **, ? and [...] in all the expanded patterns together
)

// GlobCost says why a glob (without its leading !) is too costly to match, or nil.
// Callers that match globs from a repository outside a rule file (.gitignore) refuse
// such a glob too.
func GlobCost(glob string) error {
	_, err := expandGlob(glob)
	return err
}

// expandGlob expands the braces of a glob, within the bounds above.
func expandGlob(g string) ([]string, error) {
	if len(g) > maxGlobLen {
		return nil, fmt.Errorf("it is %d characters long, over %d", len(g), maxGlobLen)
	}
	alts := expandBraces(g, maxBraceExpansion)
	if alts == nil {
		if hasBraceGroup(g) {
			return nil, fmt.Errorf("its braces expand to more than %d patterns", maxBraceExpansion)
		}
		alts = []string{g}
	}
	n := 0
	for _, a := range alts {
		n += wildcards(normalizeGlob(a))
	}
	if n > maxGlobWildcards {
		if len(alts) == 1 {
			return nil, fmt.Errorf("it has %d wildcards, over %d", n, maxGlobWildcards)
		}
		return nil, fmt.Errorf("its %d patterns have %d wildcards in all, over %d", len(alts), n, maxGlobWildcards)
	}
	return alts, nil
}

// wildcards counts the wildcards of a pattern without braces: a run of stars counts once.
func wildcards(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*':
			n++
			for i+1 < len(s) && s[i+1] == '*' {
				i++
			}
		case '?', '[':
			n++
		}
	}
	return n
}

// compileGlob turns one glob as written (without its leading !) into patterns. A glob
// over the bounds (which the parser reported as AIR006) matches nothing.
func compileGlob(raw string) []pattern {
	g := strings.TrimPrefix(strings.TrimPrefix(raw, "./"), "/")
	alts, err := expandGlob(g)
	if err != nil {
		return []pattern{{raw: raw, kind: kindNone}}
	}
	out := make([]pattern, 0, len(alts))
	for _, a := range alts {
		out = append(out, classify(raw, collapseStars(normalizeGlob(a))))
	}
	spec := globSpecificity(out)
	for i := range out {
		out[i].spec = spec
	}
	return out
}

// collapseStars writes a run of stars inside a segment (a**, ***) as the one star it
// stands for; a segment that is exactly ** stays. doublestar retries such a run star by
// star, and reads it wrongly at the end of a name (0**** does not match 0 there).
func collapseStars(g string) string {
	if !strings.Contains(g, "**") || strings.IndexByte(g, '\\') >= 0 {
		return g
	}
	segs := strings.Split(g, "/")
	for i, seg := range segs {
		if seg == "**" || !strings.Contains(seg, "**") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(seg); j++ {
			if seg[j] == '*' && j > 0 && seg[j-1] == '*' {
				continue
			}
			b.WriteByte(seg[j])
		}
		segs[i] = b.String()
	}
	return strings.Join(segs, "/")
}

// normalizeGlob makes a pattern without a slash match the base name at any depth.
func normalizeGlob(g string) string {
	if !strings.Contains(g, "/") {
		return "**/" + g
	}
	return g
}

const meta = "*?[{\\"

func classify(raw, n string) pattern {
	p := pattern{raw: raw, norm: n, kind: kindOther}
	if !strings.ContainsAny(n, meta) {
		p.kind, p.lit = kindExact, n
		return p
	}
	if rest, ok := strings.CutPrefix(n, "**/"); ok && !strings.Contains(rest, "/") {
		if !strings.ContainsAny(rest, meta) {
			p.kind, p.lit = kindBase, rest
			return p
		}
		if lit, ok := strings.CutPrefix(rest, "*"); ok && lit != "" && !strings.ContainsAny(lit, meta) {
			p.kind, p.lit = kindSuffix, lit
			return p
		}
	}
	if i := strings.IndexAny(n, meta); i > 0 {
		if j := strings.LastIndexByte(n[:i], '/'); j > 0 {
			p.kind, p.lit = kindPrefix, n[:j+1]
			return p
		}
	}
	last := n[strings.LastIndexByte(n, '/')+1:]
	if dot := strings.LastIndexByte(last, '.'); dot >= 0 && !strings.ContainsAny(last[dot:], meta) && len(last) > dot+1 {
		p.kind, p.lit = kindExt, last[dot:]
	}
	p.splitTail()
	return p
}

// splitTail sets head, tail and tailSegs when the pattern is head/**/tail (or **/tail)
// with a tail of fixed depth: no **, and nothing (a class, an escape) that could stand
// for a slash.
func (p *pattern) splitTail() {
	n := p.norm
	if strings.ContainsAny(n, "[\\") {
		// A /**/ inside a bracket expression ([!/**/]) or after an escape is no
		// separator: such patterns are matched whole (GlobCost bounds them already).
		return
	}
	var head, tail string
	switch i := strings.LastIndex(n, "/**/"); {
	case i == 0:
		return // "/**/tail": the leading / anchors it, no head to stand for any prefix
	case i > 0:
		head, tail = n[:i], n[i+4:]
	case strings.HasPrefix(n, "**/"):
		tail = n[3:]
	default:
		return
	}
	if tail == "" || strings.Contains(tail, "**") || strings.ContainsAny(tail, "[\\{") {
		return
	}
	if !onlyGlobstars(head) {
		// The head is matched with a one-segment literal tail standing for the real
		// one, so that doublestar reads it exactly as within the whole pattern.
		p.head = head + "/**/" + tailStandIn
	}
	p.tail, p.tailSegs = tail, strings.Count(tail, "/")+1
}

// tailStandIn is a path segment no file name holds.
const tailStandIn = "\x00"

// onlyGlobstars reports whether head is ** segments only (or nothing): any prefix.
func onlyGlobstars(head string) bool {
	if head == "" {
		return true
	}
	for _, seg := range strings.Split(head, "/") {
		if seg != "**" {
			return false
		}
	}
	return true
}

// matchTail matches a split pattern (see splitTail): the tail against the path's last
// tailSegs segments, the head against what precedes them.
func (p *pattern) matchTail(rel string) bool {
	if rel == "" {
		return doublestar.MatchUnvalidated(p.norm, rel) // no segment for the tail
	}
	i := len(rel)
	for k := p.tailSegs; k > 0; k-- {
		j := strings.LastIndexByte(rel[:i], '/')
		if j < 0 {
			if k > 1 {
				return false // fewer segments than the tail
			}
			i = -1
			break
		}
		i = j
	}
	if !doublestar.MatchUnvalidated(p.tail, rel[i+1:]) {
		return false
	}
	if p.head == "" {
		return true
	}
	if i < 0 {
		return doublestar.MatchUnvalidated(p.head, tailStandIn)
	}
	return doublestar.MatchUnvalidated(p.head, rel[:i]+"/"+tailStandIn)
}

// extOf is the part of a base name from its last dot, the key of kindExt and kindSuffix buckets.
func extOf(base string) string {
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[i:]
	}
	return ""
}

// matches runs the full pattern against a workspace-relative slash path.
func (p *pattern) matches(rel, base string) bool {
	switch p.kind {
	case kindExact:
		return rel == p.lit
	case kindBase:
		return base == p.lit
	case kindSuffix:
		return strings.HasSuffix(base, p.lit)
	case kindNone:
		return false
	}
	if p.tailSegs > 0 {
		return p.matchTail(rel)
	}
	return doublestar.MatchUnvalidated(p.norm, rel)
}

// expandBraces expands {a,b} alternatives (nested too). It returns nil when s has no
// braces or expands past limit.
func expandBraces(s string, limit int) []string {
	open := -1
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth == 0 {
				var out []string
				for _, alt := range splitTopLevel(s[open+1 : i]) {
					tail := s[:open] + alt.s + s[i+1:]
					sub := expandBraces(tail, limit)
					if sub == nil {
						if hasBraceGroup(tail) {
							return nil // a nested group exploded past the limit
						}
						sub = []string{tail}
					}
					out = append(out, sub...)
					if len(out) > limit {
						return nil
					}
				}
				return out
			}
		}
	}
	return nil
}

// hasBraceGroup reports whether s still holds a closed {…} group (escapes respected).
func hasBraceGroup(s string) bool {
	open := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			open = true
		case '}':
			if open {
				return true
			}
		}
	}
	return false
}

// SelectionPath is the form of a workspace-relative path that a Selection's Path
// takes: slash-separated and clean.
func SelectionPath(p string) string { return relPath(p) }

// relPath makes p slash-separated and clean, the form patterns match against.
func relPath(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	p = path.Clean(strings.TrimPrefix(p, "./"))
	return strings.TrimPrefix(p, "/")
}
