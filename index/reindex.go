package index

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/airules/airules/rules"
	"github.com/tidwall/buntdb"
	"go.uber.org/zap"
)

// observation is what one walk or a set of stats saw of the disk.
type observation struct {
	full  bool
	rules map[string]found // rule files seen, by absolute path
	// scopes are absolute paths that were looked at (files, folders, missing paths):
	// a known rule file at or below one of them that is not in rules is gone.
	scopes []string
	files  []string // workspace files seen, relative
	// fileScopes are the relative paths looked at for workspace files; dir is true for
	// a folder or a missing path, whose known files below are gone unless seen again.
	fileScopes []fileScope
}

type fileScope struct {
	rel string
	dir bool
}

// Reindex brings the index up to date with the disk for the given absolute paths (files
// or folders; a new or removed folder means everything under it), or for the whole
// workspace when none are given. cause is the causation id logged with the events
// ("watch", "didSave", "cli", …). It returns what changed; the caller passes it on
// (OnChange is the watcher's channel alone).
func (ix *Index) Reindex(ctx context.Context, cause string, paths ...string) (Change, error) {
	if cause == "" {
		cause = "reindex"
	}
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return Change{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		ix.mu.Unlock()
		return Change{}, err
	}
	start := time.Now()
	var obs *observation
	if len(paths) == 0 {
		obs = ix.observeAll()
	} else {
		obs = ix.observe(paths)
	}
	ch, err := ix.apply(cause, obs, nil)
	if len(ch.Added)+len(ch.Updated) > 0 {
		ix.pokeTokens()
	}
	ix.m.reindexes.Add(1)
	ix.m.lastReindex.Store(int64(time.Since(start)))
	ix.mu.Unlock()
	return ch, err
}

// observeAll walks everything, re-reading the root .gitignore.
func (ix *Index) observeAll() *observation {
	ix.lay.ignore.Store(loadGitignore(ix.lay.root))
	sr := newWalker(ix.lay, ix.log).full()
	return &observation{full: true, rules: sr.rules, files: sr.files}
}

// observe stats the given paths and walks the folders among them.
func (ix *Index) observe(paths []string) *observation {
	obs := &observation{rules: map[string]found{}}
	w := newWalker(ix.lay, ix.log)
	w.out.rules = obs.rules
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(ix.lay.root, p)
		}
		p = filepath.Clean(p)
		rel, inside := ix.lay.rel(p)
		if inside && rel == "" {
			return ix.observeAll()
		}
		if inside && (rel == ".gitignore" || ix.lay.rescans(rel)) {
			// What is ignored, which dependencies are declared or the configuration
			// changed: look again at everything.
			return ix.observeAll()
		}
		obs.scopes = append(obs.scopes, p)
		st, err := os.Lstat(p)
		if err != nil {
			if inside {
				obs.fileScopes = append(obs.fileScopes, fileScope{rel, true})
				ix.touchImporters(w, rel) // an @import target is gone
			}
			continue
		}
		if st.Mode()&fs.ModeSymlink != 0 && isDir(p) {
			// A link to a folder is not followed (see walker), unless it is a rule root.
			if inside {
				obs.fileScopes = append(obs.fileScopes, fileScope{rel, true})
				if w.isRuleRoot(rel) && w.insideRoot(p) {
					w.subtree(p)
				}
			}
			continue
		}
		if st.IsDir() {
			if inside {
				obs.fileScopes = append(obs.fileScopes, fileScope{rel, true})
			}
			w.subtree(p)
			continue
		}
		if inside {
			obs.fileScopes = append(obs.fileScopes, fileScope{rel, false})
		}
		ix.observeFile(w, p, rel, inside, st)
	}
	obs.files = w.out.files
	return obs
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// observeFile records one file: as a workspace file unless skipped, as a rule if it is one.
func (ix *Index) observeFile(w *walker, p, rel string, inside bool, st fs.FileInfo) {
	link := st.Mode()&fs.ModeSymlink != 0
	if link {
		var err error
		if st, err = os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return
		}
	}
	if !st.Mode().IsRegular() {
		return
	}
	if inside && !ix.lay.skipped(rel, false) {
		w.out.files = append(w.out.files, rel)
	}
	src, ok := ix.lay.classify(p)
	if !ok {
		if inside {
			ix.touchImporters(w, rel) // the text of the rules that @import it changed
		}
		return
	}
	if link {
		base := ix.lay.root
		if src.Layer == rules.LayerUser {
			base = ix.lay.userDir
		}
		if !resolvesInside(p, base) {
			return // never read through a link out of its tree
		}
	}
	w.add(src, st)
}

// inScope reports whether abs is one of the scopes or lies below one.
func inScope(abs string, scopes []string) bool {
	for _, s := range scopes {
		if abs == s || (strings.HasPrefix(abs, s) && len(abs) > len(s) && abs[len(s)] == filepath.Separator) {
			return true
		}
	}
	return false
}

func newCorrelation() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// apply brings the entries, the store, the event log and the snapshot in line with an
// observation, in one step under ix.mu. stored is set at warm start only: the stamps
// the store holds, for files the index has not loaded yet.
func (ix *Index) apply(cause string, obs *observation, stored *storedState) (Change, error) {
	now := time.Now()
	corr := newCorrelation()
	var jobs []*job
	for p, f := range obs.rules {
		prev := ix.entries[p]
		if prev != nil && prev.rule.Source == f.src && stampMatches(prev.stamp, f) {
			continue
		}
		j := &job{lay: ix.lay, f: f, prev: prev}
		if stored != nil {
			if rec, ok := stored.files[p]; ok {
				j.stored, j.state = &rec, stored
			}
		}
		jobs = append(jobs, j)
	}
	tWalked := time.Now()
	var progress func(done, total int)
	if stored != nil { // only the first index, at Open, reports progress
		progress = ix.opt.Progress
	}
	runJobs(jobs, &ix.m.parses, progress)
	tJobs := time.Now()
	for _, j := range jobs {
		if j.damaged {
			return Change{}, fmt.Errorf("%w: record of %s", errCorrupt, j.f.src.Path)
		}
	}

	var (
		groups  [][]op
		events  []Event
		upserts []*rules.Rule
		removed []string
		gone    []string
	)
	if obs.full {
		for p := range ix.entries {
			if _, seen := obs.rules[p]; !seen {
				gone = append(gone, p)
			}
		}
	} else {
		// A file scope is one lookup; only a folder (or a missing path that was no rule
		// file) needs a scan of the entries below it.
		var dirs []string
		for _, sc := range obs.scopes {
			if _, known := ix.entries[sc]; known {
				if _, seen := obs.rules[sc]; !seen {
					gone = append(gone, sc)
				}
				continue
			}
			dirs = append(dirs, sc)
		}
		if len(dirs) > 0 {
			for p := range ix.entries {
				if _, seen := obs.rules[p]; !seen && inScope(p, dirs) && !slices.Contains(gone, p) {
					gone = append(gone, p)
				}
			}
		}
	}
	if stored != nil {
		for p := range stored.files {
			if _, seen := obs.rules[p]; !seen && ix.entries[p] == nil {
				gone = append(gone, p)
			}
		}
	}
	for _, j := range jobs {
		p := j.f.src.Path
		if j.err != nil {
			ix.log.Warn("cannot read rule file; it is left out", zap.Error(j.err))
			if j.prev != nil || j.stored != nil {
				gone = append(gone, p)
			}
			continue
		}
		stamp := fileRecord{Size: j.f.size, Mtime: j.f.mtime, Hash: j.hash, Seen: now.UnixNano()}
		switch {
		case j.same && j.prev != nil:
			stamp.Rule, stamp.Tokens = j.prev.stamp.Rule, j.prev.stamp.Tokens
			j.prev.stamp = stamp
			groups = append(groups, []op{{key: preFile + p, val: encodeFile(stamp)}})
		case j.restored:
			stamp.Rule, stamp.Tokens = j.stored.Rule, j.tokens
			e := &entry{rule: j.rule, stamp: stamp, restored: true}
			ix.entries[p] = e
			ix.ruleKeys[stamp.Rule] = p
			ix.m.warmSkips.Add(1)
			if !stampMatches(*j.stored, j.f) {
				groups = append(groups, []op{{key: preFile + p, val: encodeFile(stamp)}})
			}
			upserts = append(upserts, j.rule)
		default:
			key := ix.assignKey(j.f.src, j.prev)
			stamp.Rule = key
			if j.tokens > 0 && j.stored != nil && j.stored.Rule == key {
				stamp.Tokens = j.tokens
				j.rule.SetTokens(j.tokens)
			}
			if j.encoded == "" {
				j.encoded = encodeRule(j.rule)
			}
			g := []op{
				{key: key, val: j.encoded},
				{key: preFile + p, val: encodeFile(stamp)},
			}
			typ := "created"
			if j.prev != nil || j.stored != nil {
				typ = "updated"
			}
			if j.prev != nil && j.prev.stamp.Rule != key {
				g = append(g, op{key: j.prev.stamp.Rule, del: true})
				delete(ix.ruleKeys, j.prev.stamp.Rule)
			}
			if j.prev == nil && j.stored != nil && j.stored.Rule != key {
				g = append(g, op{key: j.stored.Rule, del: true})
			}
			groups = append(groups, g)
			e := &entry{rule: j.rule, stamp: stamp}
			ix.entries[p] = e
			ix.ruleKeys[key] = p
			events = append(events, ruleEvent(typ, j.rule, cause, corr, now))
			if j.rule.HasErrors() {
				events = append(events, ruleEvent("invalid", j.rule, cause, corr, now))
			}
			if ix.overlays[p] == nil {
				upserts = append(upserts, j.rule)
			}
		}
	}
	for _, p := range gone {
		var key string
		var ev Event
		if e := ix.entries[p]; e != nil {
			key = e.stamp.Rule
			ev = ruleEvent("deleted", e.rule, cause, corr, now)
			delete(ix.entries, p)
			if ix.overlays[p] == nil {
				removed = append(removed, p)
			}
		} else if rec, ok := storedFile(stored, p); ok {
			key = rec.Rule
			ev = storedDeleteEvent(ix.st, p, key, cause, corr, now)
		} else {
			continue
		}
		if ix.ruleKeys[key] == p {
			delete(ix.ruleKeys, key)
		}
		groups = append(groups, []op{{key: key, del: true}, {key: preFile + p, del: true}})
		events = append(events, ev)
	}
	if stored != nil {
		// Rules no stamp points at (left by a crash between chunks) are dropped.
		for k := range stored.ruleKeys {
			if _, ok := ix.ruleKeys[k]; !ok {
				groups = append(groups, []op{{key: k, del: true}})
			}
		}
	}
	added, dropped, filesChanged := ix.updateFiles(obs)
	groups = append(groups, ix.eventOps(events)...)
	tApplied := time.Now()
	// The store write and the snapshot build touch disjoint state: on a large change
	// they run side by side (BenchmarkColdIndex), on a small one in line.
	var werr error
	var tWritten time.Time
	written := make(chan struct{})
	writeStore := func() {
		werr = ix.st.write(groups)
		tWritten = time.Now()
		close(written)
	}
	if len(groups) > chunkKeys {
		go writeStore()
	} else {
		writeStore()
	}
	ch := ix.publish(delta{
		upserts: upserts, removed: removed, correlation: corr,
		filesChanged: filesChanged, fullFiles: obs.full, addedFiles: added, removedFiles: dropped,
	})
	<-written
	if werr != nil {
		ix.log.Error("cannot write the index database; the in-memory index stays correct", zap.Error(werr))
	}
	ix.log.Debug("reindexed", zap.String("cause", cause), zap.Int("files", len(jobs)),
		zap.Duration("read+parse", tJobs.Sub(tWalked)), zap.Duration("apply", tApplied.Sub(tJobs)),
		zap.Duration("store", tWritten.Sub(tApplied)), zap.Duration("all", time.Since(tApplied)))
	return ch, werr
}

func storedFile(st *storedState, p string) (fileRecord, bool) {
	if st == nil {
		return fileRecord{}, false
	}
	rec, ok := st.files[p]
	return rec, ok
}

// assignKey picks the store key of a rule: rule:<layer>:<id>, unless another file
// already owns it (a native 'cursor/x.md' and a Cursor 'x.mdc' share id cursor/x): then
// the path's hash is appended, so neither overwrites the other.
func (ix *Index) assignKey(src rules.Source, prev *entry) string {
	key := ruleKey(src.Layer, src.ID)
	if owner, ok := ix.ruleKeys[key]; !ok || owner == src.Path {
		return key
	}
	if prev != nil && strings.HasPrefix(prev.stamp.Rule, key+"#") {
		return prev.stamp.Rule
	}
	sum := sha256Hex(src.Path)
	return key + "#" + sum[:12]
}

// updateFiles applies the observation to the workspace file set and reports the delta.
func (ix *Index) updateFiles(obs *observation) (added, dropped []string, changed bool) {
	if obs.full {
		next := make(map[string]struct{}, len(obs.files))
		for _, f := range obs.files {
			next[f] = struct{}{}
			if _, ok := ix.files[f]; !ok {
				added = append(added, f)
			}
		}
		for f := range ix.files {
			if _, ok := next[f]; !ok {
				dropped = append(dropped, f)
			}
		}
		ix.files = next
		return added, dropped, len(added)+len(dropped) > 0 || ix.fileList == nil
	}
	seen := make(map[string]bool, len(obs.files))
	for _, f := range obs.files {
		seen[f] = true
	}
	for _, sc := range obs.fileScopes {
		if _, ok := ix.files[sc.rel]; ok && !seen[sc.rel] {
			delete(ix.files, sc.rel)
			dropped = append(dropped, sc.rel)
			continue
		}
		if !sc.dir {
			continue
		}
		prefix := sc.rel + "/"
		for f := range ix.files {
			if strings.HasPrefix(f, prefix) && !seen[f] {
				delete(ix.files, f)
				dropped = append(dropped, f)
			}
		}
	}
	for _, f := range obs.files {
		if _, ok := ix.files[f]; !ok {
			ix.files[f] = struct{}{}
			added = append(added, f)
		}
	}
	return added, dropped, len(added)+len(dropped) > 0
}

// start is the first index: warm from the store where the stamps still match.
func (ix *Index) start(ctx context.Context, obs *observation) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	begin := time.Now()
	ix.m.parses.Store(0) // a retry after a damaged store counts from zero
	ix.m.warmSkips.Store(0)
	stored, err := ix.st.loadState()
	if err != nil {
		if errors.Is(err, errCorrupt) {
			return err
		}
		return fmt.Errorf("read index: %w", err)
	}
	ix.entries = map[string]*entry{}
	ix.overlays = map[string]*rules.Rule{}
	ix.ruleKeys = map[string]string{}
	ix.files = map[string]struct{}{}
	ix.globs = map[string]*globCount{}
	ix.initTeam()
	ix.headers.restore(stored.headers)
	ix.snap.Store(nil)
	if ix.opt.serving() && len(stored.files) == 0 && ix.opt.Counter != nil {
		// A server's first index of the workspace: every rule will be counted, so the
		// worker and its tokenizer load while the files are parsed, not in the first
		// request.
		go ix.opt.Counter.Prestart()
	} else if ix.opt.serving() && len(stored.files) == 0 {
		ix.bg.Add(1)
		go func() {
			defer ix.bg.Done()
			rules.LoadTokenizer()
		}()
	}
	ix.nextSeq, ix.eventRuns, ix.eventCount = 1, stored.eventRuns, 0
	for _, r := range stored.eventRuns {
		ix.eventCount += r.n
		ix.nextSeq = r.first + uint64(r.n)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.log.Debug("start", zap.Duration("load store", time.Since(begin)),
		zap.Int("rule files", len(obs.rules)), zap.Int("workspace files", len(obs.files)))
	if _, err := ix.apply(ix.opt.Cause, obs, stored); errors.Is(err, errCorrupt) {
		return err
	} else if err != nil {
		ix.log.Warn("index database write failed during start", zap.Error(err))
	}
	// buntdb rebuilds indexes on every open (they are not persisted), under its write
	// lock (BenchmarkWarmStart measures it). Nothing on the query path
	// reads them, so they are built in the background a moment after the first snapshot
	// is out, when the start-up burst is over; a short-lived CLI run that closes before
	// then never pays for them.
	ix.bg.Add(1)
	go func() {
		defer ix.bg.Done()
		select {
		case <-ix.closing:
			return
		case <-time.After(ix.opt.indexDelay):
		}
		if err := ix.st.createIndexes(); err != nil && !errors.Is(err, buntdb.ErrDatabaseClosed) {
			ix.log.Warn("cannot build the database's JSON indexes", zap.Error(err))
		}
	}()
	ix.m.reindexes.Add(1)
	ix.m.lastReindex.Store(int64(time.Since(begin)))
	return nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
