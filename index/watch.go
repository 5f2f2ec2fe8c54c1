package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/airules/airules/rules"
	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// maxWaitFactor caps how long a continuous stream of events can postpone a reindex:
// at most this many debounce periods after the first pending event.
const maxWaitFactor = 20

// watcher turns fsnotify events into debounced reindexes.
//
// It watches every folder under the rule roots (.ai-rules, .cursor/rules,
// .github/instructions, .claude/rules, …, the user folder), every workspace folder the
// walk does not skip (for AGENTS.md, CLAUDE.md, GEMINI.md and nested .cursor/rules that
// appear later; up to maxWatchedDirs, beyond which the editor's reports must do), and
// the dependency folders the manifests declare (deps/<pkg>, deps/<pkg>/usage-rules,
// node_modules/<pkg>) for usage-rules.md appearing after an install. The manifests sit in
// the root, which is watched; a change to one rescans everything.
//
// Every event kind means only "this path may have changed": the path is queued and,
// once no event has arrived for the debounce time, all queued paths are re-stated in one
// reindex. So a burst (git checkout of 500 files, an atomic save's CREATE tmp, WRITE,
// RENAME, CREATE) costs about one reindex.
type watcher struct {
	ix       *Index
	fw       *fsnotify.Watcher
	debounce time.Duration
	log      *zap.Logger

	mu         sync.Mutex
	watched    map[string]bool // folders with a watch
	fresh      []string        // folders watched since refresh last began
	warned     bool
	warnedFull bool
	started    bool

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// newWatcher puts the watches in place. It runs before the first walk, so a file
// created while the walk runs is either seen by it or reported afterwards.
func (ix *Index) newWatcher() (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start watcher: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{
		ix: ix, fw: fw, debounce: ix.opt.Debounce, log: ix.log,
		watched: map[string]bool{}, cancel: cancel, done: make(chan struct{}),
	}
	w.refresh()
	w.ctx = ctx
	return w, nil
}

// start runs the event loop.
func (w *watcher) start() {
	w.started = true
	go w.loop(w.ctx)
}

// recursiveRoots are the absolute folders watched with everything below them.
func (w *watcher) recursiveRoots() []string {
	lay := w.ix.lay
	var out []string
	for _, r := range lay.ruleRoots() {
		out = append(out, filepath.Join(lay.root, filepath.FromSlash(r)))
	}
	if lay.userDir != "" {
		out = append(out, lay.userDir)
	}
	return out
}

// flatDirs are the folders watched without recursion: the root, the folders between it
// and each rule root, deps/ and each deps/<name>.
func (w *watcher) flatDirs() []string {
	lay := w.ix.lay
	out := []string{lay.root}
	for _, r := range lay.ruleRoots() {
		parts := strings.Split(r, "/")
		for i := 1; i < len(parts); i++ {
			out = append(out, filepath.Join(lay.root, filepath.FromSlash(strings.Join(parts[:i], "/"))))
		}
	}
	out = append(out, filepath.Join(lay.root, depsDir), filepath.Join(lay.root, nodeModulesDir))
	st := lay.deps.Load()
	for pkg := range st.policy.Declared[rules.EcoHex] {
		dir := filepath.Join(lay.root, depsDir, pkg)
		out = append(out, dir, filepath.Join(dir, depsSubDir))
	}
	for pkg := range st.policy.Declared[rules.EcoNPM] {
		dir := filepath.Join(lay.root, nodeModulesDir, filepath.FromSlash(pkg))
		if strings.HasPrefix(pkg, "@") {
			out = append(out, filepath.Dir(dir))
		}
		out = append(out, dir)
	}
	return out
}

// maxWatchedDirs bounds the workspace folders watched for folder files, so a huge
// tree cannot exhaust the system's watches.
const maxWatchedDirs = 20000

// workspaceTree watches dir (absolute, in the workspace) and every folder below it that
// the walk does not skip, for folder files (AGENTS.md, …) that appear later. Links to
// folders are not followed.
func (w *watcher) workspaceTree(dir string) {
	lay := w.ix.lay
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		rel, ok := lay.rel(p)
		if !ok || (rel != "" && lay.skipped(rel, true)) {
			return filepath.SkipDir
		}
		w.mu.Lock()
		full := len(w.watched) >= maxWatchedDirs
		w.mu.Unlock()
		if full {
			w.mu.Lock()
			if !w.warnedFull {
				w.warnedFull = true
				w.log.Warn("too many folders to watch; new folder files further down are seen when the editor reports them",
					zap.Int("watched", maxWatchedDirs))
			}
			w.mu.Unlock()
			return filepath.SkipAll
		}
		w.add(p)
		return nil
	})
}

// refresh puts a watch on every folder that should have one and exists.
// refresh watches the folders that have come (a manifest may declare new dependency
// folders) and returns those it had not watched before.
func (w *watcher) refresh() []string {
	w.mu.Lock()
	w.fresh = nil
	w.mu.Unlock()
	for _, d := range w.flatDirs() {
		w.add(d)
	}
	for _, r := range w.recursiveRoots() {
		w.addTree(r)
	}
	w.workspaceTree(w.ix.lay.root)
	w.mu.Lock()
	defer w.mu.Unlock()
	fresh := w.fresh
	w.fresh = nil
	return fresh
}

func (w *watcher) add(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[dir] {
		return
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return
	}
	if err := w.fw.Add(dir); err != nil {
		if !w.warned {
			w.warned = true
			w.log.Warn("cannot watch a folder; its changes are seen only when reported", zap.String("dir", dir), zap.Error(err))
		}
		return
	}
	w.watched[dir] = true
	w.fresh = append(w.fresh, dir)
}

// addTree watches dir and every folder below it. Links to folders are not followed,
// except dir itself (a rule root may be a link).
func (w *watcher) addTree(dir string) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return
	}
	w.add(dir)
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: the walk reports it when indexing
		}
		if d.IsDir() && p != dir {
			w.add(p)
		}
		return nil
	})
}

// forget drops the watches of a removed or renamed folder and everything below it; the
// kernel has dropped them already, the map must follow.
func (w *watcher) forget(p string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for d := range w.watched {
		if d == p || strings.HasPrefix(d, p+string(filepath.Separator)) {
			delete(w.watched, d)
			_ = w.fw.Remove(d)
		}
	}
}

// created handles a new folder: watch it at once (not debounced), so files created in
// it are not missed; the reindex queued for it scans it after the watch is in place.
func (w *watcher) created(p string) {
	st, err := os.Stat(p)
	if err != nil || !st.IsDir() {
		return
	}
	for _, r := range w.recursiveRoots() {
		if p == r || strings.HasPrefix(p, r+string(filepath.Separator)) {
			w.addTree(p)
			return
		}
		if strings.HasPrefix(r, p+string(filepath.Separator)) {
			w.refresh() // an ancestor of a rule root appeared (.cursor/)
			return
		}
	}
	lay := w.ix.lay
	if rel, ok := lay.rel(p); ok {
		switch {
		case under(rel, depsDir) || under(rel, nodeModulesDir):
			// A dependency folder after an install: watch what the manifests declare.
			for _, d := range w.flatDirs() {
				if d == p || strings.HasPrefix(d, p+string(filepath.Separator)) {
					w.add(d)
				}
			}
		case !lay.skipped(rel, true):
			w.workspaceTree(p)
		}
	}
}

func (w *watcher) loop(ctx context.Context) {
	defer close(w.done)
	pending := map[string]bool{}
	full := false
	var first, last time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	arm := func() {
		due := last.Add(w.debounce)
		if limit := first.Add(maxWaitFactor * w.debounce); due.After(limit) {
			due = limit
		}
		timer.Reset(max(time.Until(due), 0))
	}
	queue := func() {
		now := time.Now()
		if len(pending) == 0 && !full {
			first = now
		}
		last = now
		arm()
	}
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			p := filepath.Clean(ev.Name)
			if ev.Has(fsnotify.Create) {
				w.created(p)
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				w.forget(p)
			}
			queue()
			pending[p] = true
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("file events were lost; rescanning everything")
				queue()
				full = true
				continue
			}
			w.log.Warn("watcher error", zap.Error(err))
		case <-timer.C:
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			clear(pending)
			if full {
				paths = nil
				full = false
			}
			ch, err := w.ix.Reindex(ctx, "watch", paths...)
			if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
				w.log.Warn("reindex after file events failed", zap.Error(err))
			}
			if !ch.Empty() && w.ix.opt.OnChange != nil {
				w.ix.opt.OnChange(ch)
			}
			if paths == nil || slices.ContainsFunc(paths, w.isManifest) {
				// Folders may have come and gone unseen, or other dependencies are
				// declared. A folder watched only now may have changed between the
				// reindex above and its watch: it is read again.
				if fresh := w.refresh(); len(fresh) > 0 {
					ch, err := w.ix.Reindex(ctx, "watch", fresh...)
					if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
						w.log.Warn("reindex of newly watched folders failed", zap.Error(err))
					}
					if !ch.Empty() && w.ix.opt.OnChange != nil {
						w.ix.opt.OnChange(ch)
					}
				}
			}
		}
	}
}

// isManifest reports whether an absolute path is one of the workspace's manifests.
func (w *watcher) isManifest(p string) bool {
	rel, ok := w.ix.lay.rel(p)
	return ok && w.ix.lay.rescans(rel)
}

// stop ends the loop and closes fsnotify; it waits for a running reindex to finish.
func (w *watcher) stop() {
	w.cancel()
	_ = w.fw.Close()
	if w.started {
		<-w.done
	}
}
