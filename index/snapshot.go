package index

import (
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// selectCacheMax bounds the entries of one snapshot's selection cache; a full cache is
// emptied and refilled (open files are few, a burst of queries over many is rare).
const selectCacheMax = 4096

// Snapshot is an immutable view of the index at one generation. Readers share it
// freely; a change publishes a new Snapshot and leaves old ones untouched.
type Snapshot struct {
	// Generation increases with every change of the rules or of their problems.
	Generation uint64
	// Root is the absolute workspace root.
	Root string
	// Rules is the compiled rule set.
	Rules *rules.Set
	// Files lists the workspace files, relative slash paths (AIR007, hover on globs).
	Files *rules.FileList
	// Problems maps the absolute path of every rule file to all its problems (parse
	// problems and AIR007). It must not be modified.
	Problems map[string][]rules.Problem

	cache  sync.Map // selectKey → rules.Selection
	cached atomic.Int32
	m      *counters
}

type selectKey struct{ rel, lang string }

// Select answers which rules apply to the workspace-relative file rel of language lang
// ("" to guess from the name), through a cache valid for this generation. The returned
// Selection is shared with other callers: do not modify its slices.
func (s *Snapshot) Select(rel, lang string) rules.Selection {
	k := selectKey{rel, lang}
	if v, ok := s.cache.Load(k); ok {
		if s.m != nil {
			s.m.hits.Add(1)
		}
		return v.(rules.Selection)
	}
	if s.m != nil {
		s.m.misses.Add(1)
	}
	sel := s.Rules.Select(rel, lang)
	if s.cached.Add(1) > selectCacheMax {
		s.cache.Clear()
		s.cached.Store(1)
	}
	s.cache.Store(k, sel)
	return sel
}

// RuleAt returns the rule read from the absolute path (an open buffer's version when
// there is one), or nil.
func (s *Snapshot) RuleAt(absPath string) *rules.Rule {
	return s.Rules.Rule(filepath.Clean(absPath))
}
