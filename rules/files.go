package rules

import (
	"path"
	"slices"
	"sort"
	"strings"
)

// FileList is the set of workspace files (relative, slash-separated) that globs are
// checked against: for AIR007 and for hover on a glob. It is immutable. Besides the
// sorted list, it keeps the same strings ordered by base name and by extension, so that
// the files of one base or one extension are a range found by binary search: a server
// holds the list of every workspace file, and maps of them cost four times as much.
type FileList struct {
	sorted []string
	byBase []string // by base name, then path
	byExt  []string // by extension (extOf), then path; files without one are left out
}

// NewFileList indexes files; the slice is copied.
func NewFileList(files []string) *FileList {
	sorted := make([]string, 0, len(files))
	for _, p := range files {
		sorted = append(sorted, relPath(p))
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	f := &FileList{sorted: slices.Clip(sorted), byBase: slices.Clone(sorted)}
	slices.SortStableFunc(f.byBase, func(a, b string) int { return strings.Compare(path.Base(a), path.Base(b)) })
	for _, p := range sorted {
		if extOf(path.Base(p)) != "" {
			f.byExt = append(f.byExt, p)
		}
	}
	f.byExt = slices.Clip(f.byExt)
	slices.SortStableFunc(f.byExt, func(a, b string) int { return strings.Compare(extOf(path.Base(a)), extOf(path.Base(b))) })
	return f
}

// run is the range of list, ordered by key, whose key is k.
func run(list []string, key func(string) string, k string) []string {
	i := sort.Search(len(list), func(i int) bool { return key(list[i]) >= k })
	j := i + sort.Search(len(list)-i, func(n int) bool { return key(list[i+n]) > k })
	return list[i:j]
}

func extOfPath(p string) string { return extOf(path.Base(p)) }

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
		if _, ok := slices.BinarySearch(f.sorted, p.lit); ok {
			return []string{p.lit}
		}
		return nil
	case kindBase:
		return run(f.byBase, path.Base, p.lit)
	case kindSuffix:
		if strings.Contains(p.lit, ".") {
			return run(f.byExt, extOfPath, extOf(p.lit)) // a suffix with a dot fixes the extension
		}
		return f.sorted
	case kindExt:
		return run(f.byExt, extOfPath, p.lit)
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
