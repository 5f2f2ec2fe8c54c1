package index

import (
	"path/filepath"
	"slices"
	"time"

	"github.com/airules/airules/rules"
)

// SetOverlay makes an open editor buffer override the disk for an absolute path: the
// content is parsed and published (generation++ when the rule changed). Overlays are
// not written to the store and log no event. A path that is not a rule file by
// location is ignored; one that does not exist on disk yet is fine.
func (ix *Index) SetOverlay(path string, content []byte) Change {
	path = filepath.Clean(path)
	src, ok := ix.lay.classify(path)
	if !ok {
		return Change{}
	}
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return Change{}
	}
	start := time.Now()
	ix.m.parses.Add(1)
	r := ix.lay.parseSource(src, content)
	cur := ix.snap.Load().Rules.Rule(path)
	ix.overlays[path] = r
	var ch Change
	if cur == nil || cur.Hash != r.Hash {
		ch = ix.publish(delta{upserts: []*rules.Rule{r}, correlation: newCorrelation()})
	}
	ix.m.lastReindex.Store(int64(time.Since(start)))
	ix.mu.Unlock()
	return ch
}

// ClearOverlay drops the buffer of path: the disk's version applies again (or none, if
// the file does not exist).
func (ix *Index) ClearOverlay(path string) Change {
	path = filepath.Clean(path)
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return Change{}
	}
	ov, ok := ix.overlays[path]
	if !ok {
		ix.mu.Unlock()
		return Change{}
	}
	delete(ix.overlays, path)
	var ch Change
	if e := ix.entries[path]; e != nil {
		if e.rule.Hash != ov.Hash {
			ch = ix.publish(delta{upserts: []*rules.Rule{e.rule}, correlation: newCorrelation()})
		} else {
			// Same content: nothing to publish. The buffer's rule object stays in the set,
			// so it becomes the entry's, keeping "the set holds the entry's rule" true.
			e.rule, e.restored = ov, false
		}
	} else {
		ch = ix.publish(delta{removed: []string{path}, correlation: newCorrelation()})
	}
	ix.mu.Unlock()
	return ch
}

// SetDisabled replaces the rule ids disabled by configuration.
func (ix *Index) SetDisabled(ids []string) Change {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return Change{}
	}
	var ch Change
	if len(symmetricDiff(ix.disabled, ids)) > 0 {
		ch = ix.publish(delta{disabled: ids, reconfigured: true, problems: ix.disabledDelta(ids), correlation: newCorrelation()})
	}
	ix.mu.Unlock()
	return ch
}
