package index

import (
	"bufio"
	"bytes"
	"path"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/bmatcuk/doublestar/v4"
)

// gitignore is the root .gitignore, read once per full scan. It supports what most
// projects write: blank lines and # comments, ! negation (the last matching line wins),
// a leading / to anchor, a trailing / for directories only, * ? [..] and **. It does
// not read nested .gitignore files, .git/info/exclude or the global excludes file, and
// it does not honour escaped trailing spaces.
type gitignore struct {
	pats []ignorePattern
}

type ignorePattern struct {
	glob    string // doublestar pattern matched against the rel path (anchored) or base name
	neg     bool
	dirOnly bool
	base    bool // no slash inside: matches the base name at any depth
}

// loadGitignore reads the root .gitignore through the workspace reader: a link to
// /dev/zero, /dev/stdin, a FIFO or a file outside the workspace, or a file over
// MaxGitignoreSize, is not applied (nothing is ignored beyond skipDirs).
func loadGitignore(root string) *gitignore {
	data, _, err := readWorkspaceFile(root, ".gitignore", MaxGitignoreSize)
	if err != nil {
		return nil
	}
	return parseGitignore(data)
}

func parseGitignore(data []byte) *gitignore {
	g := &gitignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var p ignorePattern
		if strings.HasPrefix(line, "!") {
			p.neg, line = true, line[1:]
		} else if strings.HasPrefix(line, `\`) {
			line = line[1:] // \# and \! stand for the literal character
		}
		if strings.HasSuffix(line, "/") {
			p.dirOnly, line = true, strings.TrimRight(line, "/")
		}
		anchored := strings.Contains(line, "/")
		line = literalBraces(strings.TrimPrefix(line, "/"))
		// A line too costly to match (more wildcards than rules.GlobCost allows) is
		// dropped: .gitignore is repository content like any rule.
		if line == "" || !doublestar.ValidatePattern(line) || rules.GlobCost(line) != nil {
			continue
		}
		p.glob, p.base = line, !anchored
		g.pats = append(g.pats, p)
	}
	if len(g.pats) == 0 {
		return nil
	}
	return g
}

// ignored reports whether rel (slash-separated, relative to the root) is ignored. The
// caller checks parents first: a file below an ignored directory is ignored.
func (g *gitignore) ignored(rel string, isDir bool) bool {
	base := path.Base(rel)
	out := false
	for i := range g.pats {
		p := &g.pats[i]
		if p.dirOnly && !isDir {
			continue
		}
		subject := rel
		if p.base {
			subject = base
		}
		if doublestar.MatchUnvalidated(p.glob, subject) {
			out = !p.neg
		}
	}
	return out
}

// literalBraces escapes { and }: braces are literal in .gitignore, and doublestar would
// expand them (and backtrack through every alternative).
func literalBraces(s string) string {
	if !strings.ContainsAny(s, "{}") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			b.WriteByte(c)
			i++
			b.WriteByte(s[i])
		case c == '{' || c == '}':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
