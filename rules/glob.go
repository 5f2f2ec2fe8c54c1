package rules

import (
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
)

// pattern is one glob after brace expansion and normalisation.
type pattern struct {
	raw  string // as the rule wrote it (before expansion), for reasons
	norm string // workspace-relative, doublestar syntax
	lit  string // the literal the bucket is keyed by (suffix for kindSuffix)
	kind patKind
}

// maxBraceExpansion bounds brace expansion; a pattern that expands further is matched
// as written by doublestar, which understands braces itself.
const maxBraceExpansion = 64

// compileGlob turns one glob as written (without its leading !) into patterns.
func compileGlob(raw string) []pattern {
	g := strings.TrimPrefix(strings.TrimPrefix(raw, "./"), "/")
	alts := expandBraces(g, maxBraceExpansion)
	if alts == nil {
		alts = []string{g}
	}
	out := make([]pattern, 0, len(alts))
	for _, a := range alts {
		out = append(out, classify(raw, normalizeGlob(a)))
	}
	return out
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
	return p
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

// hasBraceGroup reports whether s still holds a closed {…} group.
func hasBraceGroup(s string) bool {
	i := strings.IndexByte(s, '{')
	return i >= 0 && strings.IndexByte(s[i:], '}') > 0
}

// relPath makes p slash-separated and clean, the form patterns match against.
func relPath(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	p = path.Clean(strings.TrimPrefix(p, "./"))
	return strings.TrimPrefix(p, "/")
}
