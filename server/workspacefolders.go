package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/airules/airules/index"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// initializedWait is how long an opened index waits for the initialized notification
// before it serves anyway.
const initializedWait = 3 * time.Second

// openFolder opens the folder's index in the background. Until it is ready, requests
// answer "indexing" and never wait. Nothing is published before the client said
// initialized: notifications must not overtake the initialize answer.
func (s *session) openFolder(f *folder, cfg settings, cause string) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.mu.Lock()
	f.cancel = cancel
	s.mu.Unlock()
	s.goSafe("open "+f.root, func() {
		defer func() {
			select {
			case <-f.ready:
			default:
				close(f.ready)
			}
		}()
		if s.beforeOpen != nil {
			s.beforeOpen()
		}
		team, teamProblems := index.LoadTeamConfig(f.root, cfg.RulesDir, "")
		ix, err := index.Open(ctx, index.Options{
			Team:         team.Merge(cfg.Team),
			TeamProblems: teamProblems,
			Root:         f.root,
			RulesDir:     cfg.RulesDir,
			UserRulesDir: s.userRulesDir(),
			DBPath:       s.opts.DBPath,
			Watch:        cfg.serverWatch(),
			Serve:        true,
			ReadAhead:    index.ServerAhead,
			Debounce:     s.opts.Debounce,
			Counter:      s.opts.Counter,
			Disabled:     cfg.DisabledRules,
			Cause:        cause,
			Logger:       s.logger().Named("index").With(zap.String("folder", f.root)),
			OnChange:     func(ch index.Change) { s.didModify(modification{kind: modReindexed, folder: f, change: ch}) },
			Progress:     func(done, total int) { f.progress.Store(uint64(done)<<32 | uint64(uint32(total))) },
			OnCounting:   func(done, total int) { s.counting(f, done, total) },
		})
		if err != nil {
			f.err = fmt.Errorf("index %s: %w", f.root, err)
			s.logger().Error("cannot open the index", zap.String("folder", f.root), zap.Error(err))
			s.showMessage(1, "airules: cannot index "+f.root+": "+err.Error())
			return
		}
		// Nothing may be sent before the client has the initialize answer: wait for
		// initialized, or a little while for a client that never sends it.
		select {
		case <-s.initialized:
		case <-time.After(initializedWait):
			s.logger().Warn("no initialized notification; serving anyway")
		case <-ctx.Done():
			_ = ix.Close()
			return
		}
		s.mu.Lock()
		if ctx.Err() != nil { // closed or reopened meanwhile
			s.mu.Unlock()
			_ = ix.Close()
			return
		}
		f.ix.Store(ix)
		// Open buffers override the disk from the first snapshot on.
		for _, d := range s.docs {
			if d.path != "" && ix.IsRuleFile(d.path) {
				ix.SetOverlay(d.path, []byte(d.text))
			}
		}
		s.mu.Unlock()
		select { // it began as the index opened
		case <-ix.AheadDone():
		case <-ctx.Done():
			_ = ix.Close()
			return
		}
		// Opening an index leaves several times its size of garbage (the store's
		// replay, the walk, the tables' building): collected now, and its pages handed
		// back, before the folder is ready, rather than by the collections of its first
		// requests; then the first answer's memory is made, and stays.
		debug.FreeOSMemory()
		primeContext(ix.Snapshot(), primeFile(ix))
		close(f.ready)
		snap := ix.Snapshot()
		s.outbox.push(func() {
			s.publishAll(f, snap.Problems, snap.Generation)
			s.notifyIndexChanged(f, snap.Generation)
		})
		m := ix.Metrics()
		s.logger().Info("index ready", zap.String("folder", f.root), zap.Int("rules", m.Rules),
			zap.Int("files", m.Files), zap.Uint64("generation", snap.Generation))
		s.runReindexer(ctx, f, ix)
	})
}

// closeFolder stops the folder's background work and closes its index.
func (s *session) closeFolder(f *folder) {
	s.mu.Lock()
	if f.cancel != nil {
		f.cancel()
	}
	ix := f.ix.Swap(nil)
	s.mu.Unlock()
	if ix != nil {
		if err := ix.Close(); err != nil {
			s.logger().Warn("closing the index", zap.String("folder", f.root), zap.Error(err))
		}
	}
}

// currentFolders returns the folder list. The slice is never modified in place
// (reopenFolder and DidChangeWorkspaceFolders replace it), so callers may iterate it
// without the lock.
func (s *session) currentFolders() []*folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.folders
}

// showMessage tells the user something from a goroutine (never from a handler).
func (s *session) showMessage(typ int, msg string) {
	select {
	case <-s.initialized:
	case <-s.ctx.Done():
		return
	}
	_ = s.conn.Notify(s.ctx, "window/showMessage", map[string]any{"type": typ, "message": msg})
}

// didChangeWorkspaceFolders opens indexes for added folders and closes removed ones.
func (s *session) didChangeWorkspaceFolders(ctx context.Context, p *protocol.DidChangeWorkspaceFoldersParams) error {
	s.mu.Lock()
	cfg := s.cfg
	var removed, added []*folder
	for _, r := range p.Event.Removed {
		path, err := uriToPath(r.URI)
		if err != nil {
			continue
		}
		for i, f := range s.folders {
			if f.root == path {
				removed = append(removed, f)
				s.folders = append(s.folders[:i:i], s.folders[i+1:]...)
				break
			}
		}
	}
	for _, a := range p.Event.Added {
		path, err := uriToPath(a.URI)
		if err != nil || slices.ContainsFunc(s.folders, func(f *folder) bool { return f.root == path }) {
			continue
		}
		f := newFolder(a.URI, path, a.Name)
		s.folders = append(s.folders[:len(s.folders):len(s.folders)], f)
		added = append(added, f)
	}
	s.mu.Unlock()
	for _, f := range removed {
		s.closeFolder(f)
		s.clearFolderDiagnostics(f)
	}
	for _, f := range added {
		s.openFolder(f, cfg, "workspace-folder")
	}
	return nil
}
