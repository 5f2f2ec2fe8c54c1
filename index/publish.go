package index

import (
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// globCount is how many workspace files a positive glob matches, and how many live
// rules use it.
type globCount struct{ n, refs int }

// delta is one change to publish.
type delta struct {
	upserts      []*rules.Rule // effective rules new or replaced (by path)
	removed      []string      // paths whose effective rule is gone
	disabled     []string      // new configuration-disabled ids, when reconfigured
	reconfigured bool
	correlation  string
	// problems of files that hold no rule (a configuration file, a team bucket), by path
	// or URI; an empty list clears them.
	problems map[string][]rules.Problem

	filesChanged bool
	fullFiles    bool
	addedFiles   []string
	removedFiles []string
}

// deltaRecount is the file delta above which every glob is counted again against the
// whole file list instead of against the delta.
const deltaRecount = 256

// publish builds the next Snapshot from the previous one and the delta, swaps it in and
// returns the Change. Called with ix.mu held.
func (ix *Index) publish(d delta) Change {
	prev := ix.snap.Load()
	ch := Change{Correlation: d.correlation}

	flipped := map[string]bool{}
	if d.filesChanged || ix.fileList == nil {
		ix.fileList = newFileList(ix.files)
		if d.fullFiles || len(d.addedFiles)+len(d.removedFiles) > deltaRecount {
			for g, c := range ix.globs {
				n := countMatches(ix.fileList, g)
				if (n > 0) != (c.n > 0) {
					flipped[g] = true
				}
				c.n = n
			}
		} else {
			la, lr := rules.NewFileList(d.addedFiles), rules.NewFileList(d.removedFiles)
			for g, c := range ix.globs {
				n := c.n
				if la.Len() > 0 {
					n += countMatches(la, g)
				}
				if lr.Len() > 0 {
					n -= countMatches(lr, g)
				}
				if (n > 0) != (c.n > 0) {
					flipped[g] = true
				}
				c.n = n
			}
		}
	}

	var set *rules.Set
	var initialProblems map[string][]rules.Problem
	var reconfigured []string // ids whose disabled state or layer order the settings changed
	if prev == nil {
		all := make([]*rules.Rule, 0, len(ix.entries)+len(ix.overlays))
		for p, e := range ix.entries {
			if ix.overlays[p] == nil {
				all = append(all, e.rule)
			}
		}
		for _, r := range ix.overlays {
			all = append(all, r)
		}
		all = append(all, ix.teamRules()...)
		// Compiling the set and counting the globs are independent: overlap them.
		built := make(chan *rules.Set, 1)
		opts := ix.setOptions(ix.disabled)
		ix.builtLayers = opts.Layers
		go func() { built <- rules.NewSet(all, opts) }()
		ix.refAllGlobs(all)
		probs := make(map[string][]rules.Problem, len(all))
		for _, r := range all {
			probs[r.Path] = ix.problemsOf(r)
		}
		maps.Copy(probs, ix.teamProblems())
		set = <-built
		initialProblems = probs
	} else {
		set = prev.Rules
		if len(d.upserts)+len(d.removed) > 0 {
			set = set.With(d.upserts, d.removed)
		}
		opts := ix.setOptions(ix.disabled)
		if d.reconfigured {
			opts = ix.setOptions(d.disabled)
		}
		switch was := set.DisabledIDs(); {
		case !slices.Equal(opts.Layers, ix.builtLayers):
			// The configuration file reordered the layers: the set is built again, and
			// every rule may have moved.
			set = rules.NewSet(set.Rules(), opts)
			ix.builtLayers = opts.Layers
			for _, r := range set.Rules() {
				reconfigured = append(reconfigured, r.ID)
			}
		case d.reconfigured || !slices.Equal(opts.Disabled, was):
			set = set.WithDisabled(opts.Disabled)
			reconfigured = symmetricDiff(was, opts.Disabled)
		}
		for _, r := range d.upserts {
			ix.refGlobs(r)
			if old := prev.Rules.Rule(r.Path); old != nil {
				ix.unrefGlobs(old)
			}
		}
		for _, p := range d.removed {
			if old := prev.Rules.Rule(p); old != nil {
				ix.unrefGlobs(old)
			}
		}
	}

	// The configuration file's problems are published like a rule file's: the
	// server shows them as diagnostics, lint and MCP report them.
	cfgPath, cfgProbs := ix.lay.configPath(), ix.lay.cfg.Load().Problems
	var probs map[string][]rules.Problem
	if prev == nil {
		probs = initialProblems
		if len(cfgProbs) > 0 {
			probs[cfgPath] = cfgProbs
		}
	} else {
		// The new problem lists first; the map (one entry per rule file) is copied only
		// when one of them differs from what it holds.
		ch.Problems = map[string][]rules.Problem{}
		differs := false
		for _, p := range d.removed {
			old := prev.Rules.Rule(p)
			if old == nil {
				continue
			}
			ch.Problems[p] = []rules.Problem{}
			ch.Removed = append(ch.Removed, old.ID)
			differs = true
		}
		for _, r := range d.upserts {
			np := ix.problemsOf(r)
			ch.Problems[r.Path] = np
			if old, ok := prev.Problems[r.Path]; !ok || !reflect.DeepEqual(old, np) {
				differs = true
			}
			if prev.Rules.Rule(r.Path) == nil {
				ch.Added = append(ch.Added, r.ID)
			} else {
				ch.Updated = append(ch.Updated, r.ID)
			}
		}
		if len(flipped) > 0 {
			ix.eachEffective(func(r *rules.Rule) {
				if _, done := ch.Problems[r.Path]; done || !usesAny(r, flipped) {
					return
				}
				if np := ix.problemsOf(r); !reflect.DeepEqual(np, prev.Problems[r.Path]) {
					ch.Problems[r.Path] = np
					differs = true
				}
			})
		}
		if old := prev.Problems[cfgPath]; !reflect.DeepEqual(old, cfgProbs) && (len(old) > 0 || len(cfgProbs) > 0) {
			ch.Problems[cfgPath] = slices.Clip(append([]rules.Problem{}, cfgProbs...))
			differs = true
		}
		for p, ps := range d.problems {
			if old, ok := prev.Problems[p]; (ok || len(ps) > 0) && !reflect.DeepEqual(old, ps) {
				ch.Problems[p] = ps
				differs = true
			}
		}
		probs = prev.Problems
		if differs {
			probs = maps.Clone(prev.Problems)
			for p, ps := range ch.Problems {
				if len(ps) == 0 && (p == cfgPath || prev.Rules.Rule(p) != nil && slices.Contains(d.removed, p)) {
					delete(probs, p)
					continue
				}
				if _, extra := d.problems[p]; extra && len(ps) == 0 && set.Rule(p) == nil {
					delete(probs, p)
					continue
				}
				probs[p] = ps
			}
		}
		if len(ch.Problems) == 0 {
			ch.Problems = nil
		}
	}
	if prev != nil {
		ch.Reconfigured = reconfigured
		if d.reconfigured {
			ix.disabled = d.disabled
		}
	}
	slices.Sort(ch.Added)
	slices.Sort(ch.Updated)
	slices.Sort(ch.Removed)

	next := &Snapshot{Root: ix.lay.root, Rules: set, Files: ix.fileList, Problems: probs, MaxTokens: ix.lay.cfg.Load().MaxTokens, m: &ix.m, headers: &ix.headers}
	if ix.opt.Counter != nil {
		next.counter = ix.opt.Counter
	}
	switch {
	case prev == nil:
		next.Generation = 1
	case !ch.Empty():
		next.Generation = prev.Generation + 1
	case set == prev.Rules && ix.fileList == prev.Files:
		return ch // nothing at all changed: keep the snapshot and its cache
	default:
		// Only the workspace file list changed (a non-rule file came or went) without
		// changing any problem: same generation, fresh snapshot.
		next.Generation = prev.Generation
	}
	ch.Generation = next.Generation
	ix.snap.Store(next)
	return ch
}

func newFileList(files map[string]struct{}) *rules.FileList {
	list := make([]string, 0, len(files))
	for f := range files {
		list = append(list, f)
	}
	return rules.NewFileList(list)
}

func countMatches(l *rules.FileList, glob string) int {
	_, n := l.Match(glob, 1)
	return n
}

// positiveGlobs calls fn for each glob of r that AIR007 checks.
func positiveGlobs(r *rules.Rule, fn func(g string)) {
	if r.Dir != "" || r.Layer == rules.LayerTeam { // a team rule is written for many workspaces
		return
	}
	for _, g := range r.Globs {
		if !strings.HasPrefix(g, "!") {
			fn(g)
		}
	}
}

func (ix *Index) refGlobs(r *rules.Rule) {
	positiveGlobs(r, func(g string) {
		if c := ix.globs[g]; c != nil {
			c.refs++
			return
		}
		ix.globs[g] = &globCount{n: countMatches(ix.fileList, g), refs: 1}
	})
}

// refAllGlobs references the globs of a whole rule set, counting the distinct ones on
// all cores (FileList is immutable, Match safe for concurrent use).
func (ix *Index) refAllGlobs(all []*rules.Rule) {
	var fresh []string
	for _, r := range all {
		positiveGlobs(r, func(g string) {
			if c := ix.globs[g]; c != nil {
				c.refs++
				return
			}
			ix.globs[g] = &globCount{refs: 1}
			fresh = append(fresh, g)
		})
	}
	counts := make([]int, len(fresh))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(fresh)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(fresh); i = int(next.Add(1)) - 1 {
				counts[i] = countMatches(ix.fileList, fresh[i])
			}
		}()
	}
	wg.Wait()
	for i, g := range fresh {
		ix.globs[g].n = counts[i]
	}
}

func (ix *Index) unrefGlobs(r *rules.Rule) {
	positiveGlobs(r, func(g string) {
		if c := ix.globs[g]; c != nil {
			if c.refs--; c.refs <= 0 {
				delete(ix.globs, g)
			}
		}
	})
}

func usesAny(r *rules.Rule, globs map[string]bool) bool {
	for _, g := range r.Globs {
		if globs[g] {
			return true
		}
	}
	return false
}

// eachEffective calls fn for every live rule: the open buffer's version where there is
// one, else the disk's.
func (ix *Index) eachEffective(fn func(*rules.Rule)) {
	for p, e := range ix.entries {
		if ix.overlays[p] == nil {
			fn(e.rule)
		}
	}
	for _, r := range ix.overlays {
		fn(r)
	}
}

// problemsOf is every problem of a live rule: its own and AIR007 against the current
// file list, decided from the glob counts the index keeps up to date as files come and
// go rather than by matching every glob against the file list again.
func (ix *Index) problemsOf(r *rules.Rule) []rules.Problem {
	ps := rules.WithUnmatchedGlobs(r, func(g string) bool {
		c := ix.globs[g]
		return c != nil && c.n == 0
	})
	return ix.withEnforcement(r, ps, ix.disabled) // teamenforce.go
}

func symmetricDiff(a, b []string) []string {
	in := func(s []string, x string) bool { return slices.Contains(s, x) }
	var out []string
	for _, x := range a {
		if !in(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !in(a, x) && !in(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// setOptions are the options of the rule set: the ids disabled by the client's
// settings (disabled) and by the configuration file, and the file's layer order.
func (ix *Index) setOptions(disabled []string) rules.SetOptions {
	cfg := ix.lay.cfg.Load()
	ids := slices.Concat(disabled, cfg.DisabledRules)
	slices.Sort(ids)
	return rules.SetOptions{Disabled: slices.Compact(ids), Layers: cfg.Layers}
}
