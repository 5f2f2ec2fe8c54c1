package rules

import (
	"path"
	"slices"
	"sort"
	"strings"
)

// FileList is the set of workspace files (relative, slash-separated) that globs are
// checked against: for AIR007 and for hover on a glob. It is immutable.
type FileList struct {
	sorted []string
	byExt  map[string][]string
	byBase map[string][]string
	set    map[string]bool
}

// NewFileList indexes files; the slice is copied.
func NewFileList(files []string) *FileList {
	f := &FileList{
		sorted: make([]string, 0, len(files)),
		byExt:  map[string][]string{},
		byBase: map[string][]string{},
		set:    make(map[string]bool, len(files)),
	}
	for _, p := range files {
		p = relPath(p)
		if f.set[p] {
			continue
		}
		f.set[p] = true
		f.sorted = append(f.sorted, p)
	}
	sort.Strings(f.sorted)
	for _, p := range f.sorted {
		b := path.Base(p)
		f.byBase[b] = append(f.byBase[b], p)
		if e := extOf(b); e != "" {
			f.byExt[e] = append(f.byExt[e], p)
		}
	}
	return f
}

// Len is the number of files.
func (f *FileList) Len() int { return len(f.sorted) }

// Files returns every file, sorted; the caller must not modify it.
func (f *FileList) Files() []string { return f.sorted }

// Match returns up to limit files (all when limit <= 0) that glob matches, and how many
// match in all. A leading ! is ignored: the answer is what the pattern names.
func (f *FileList) Match(glob string, limit int) ([]string, int) {
	g, _ := cutNegation(glob)
	var out []string
	seen := map[string]bool{}
	count := 0
	for _, p := range compileGlob(g) {
		for _, file := range f.candidates(&p) {
			if seen[file] || !p.matches(file, path.Base(file)) {
				continue
			}
			seen[file] = true
			count++
			if limit <= 0 || len(out) < limit {
				out = append(out, file)
			}
		}
	}
	sort.Strings(out)
	return out, count
}

// Any reports whether glob matches at least one file; it stops at the first.
func (f *FileList) Any(glob string) bool {
	g, _ := cutNegation(glob)
	for _, p := range compileGlob(g) {
		for _, file := range f.candidates(&p) {
			if p.matches(file, path.Base(file)) {
				return true
			}
		}
	}
	return false
}

func (f *FileList) candidates(p *pattern) []string {
	switch p.kind {
	case kindExact:
		if f.set[p.lit] {
			return []string{p.lit}
		}
		return nil
	case kindBase:
		return f.byBase[p.lit]
	case kindSuffix:
		if strings.Contains(p.lit, ".") {
			return f.byExt[extOf(p.lit)] // a suffix with a dot fixes the extension
		}
		return f.sorted
	case kindExt:
		return f.byExt[p.lit]
	case kindPrefix:
		dir := strings.TrimSuffix(p.lit, "/")
		i := sort.SearchStrings(f.sorted, dir)
		j := i
		for j < len(f.sorted) && strings.HasPrefix(f.sorted[j], dir) {
			j++
		}
		return f.sorted[i:j]
	case kindNone:
		return nil
	}
	return f.sorted
}

// WithUnmatchedGlobs returns every problem of r: its own, and AIR007 at each positive
// glob that matches no file of the workspace, in the order of their positions. Whether
// a glob matches nothing is the caller's to say (the index keeps counts up to date as
// files come and go; a one-shot caller asks FileList.Any), so this is the one place
// that turns that answer into problems. The rule's own slice is returned as is when
// there is nothing to add; folder-scoped rules have no globs of their own to check.
func WithUnmatchedGlobs(r *Rule, unmatched func(glob string) bool) []Problem {
	var extra []Problem
	if r.Dir == "" {
		for i, g := range r.Globs {
			if _, neg := cutNegation(g); neg || !unmatched(g) {
				continue
			}
			var rg Range
			if i < len(r.globRanges) {
				rg = r.globRanges[i]
			}
			extra = append(extra, GlobNoMatch(g, rg))
		}
	}
	if len(extra) == 0 {
		if r.Problems == nil {
			return []Problem{}
		}
		return r.Problems
	}
	out := make([]Problem, 0, len(r.Problems)+len(extra))
	out = append(out, r.Problems...)
	out = append(out, extra...)
	slices.SortStableFunc(out, func(a, b Problem) int {
		if a.Range.Start.Line != b.Range.Start.Line {
			return a.Range.Start.Line - b.Range.Start.Line
		}
		return a.Range.Start.Column - b.Range.Start.Column
	})
	return out
}
