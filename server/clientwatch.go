package server

import (
	"context"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/airules/airules/rules"

	"github.com/airules/airules/index"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// watchGlobs are what the client is asked to watch: every rule location of every
// format (rules.WatchGlobs, the one list discovery also follows), the configuration
// file, and the manifests that declare dependencies with rules.
func watchGlobs(rulesDir string) []string {
	globs := rules.WatchGlobs(rulesDir)
	globs = append(globs, "**/"+path.Clean(rulesDir)+"/config.yaml")
	for _, m := range rules.Manifests {
		globs = append(globs, "**/"+m)
	}
	return globs
}

// registerWatchers asks the client for file events on rule files. Called from a
// goroutine after initialized: a call to the client from a handler could deadlock.
func (s *session) registerWatchers(cfg settings) {
	s.unregisterWatchers() // a new rulesDir replaces the old registration
	globs := watchGlobs(cfg.RulesDir)
	watchers := make([]protocol.FileSystemWatcher, len(globs))
	for i, g := range globs {
		watchers[i] = protocol.FileSystemWatcher{GlobPattern: g}
	}
	s.watchMu.Lock()
	s.watchSeq++
	id := fmt.Sprintf("airules-watch-%d", s.watchSeq)
	s.watchMu.Unlock()
	params := map[string]any{"registrations": []map[string]any{{
		"id":              id,
		"method":          "workspace/didChangeWatchedFiles",
		"registerOptions": protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: watchers},
	}}}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	if _, err := s.conn.Call(ctx, "client/registerCapability", params, nil); err != nil {
		s.logger().Warn("client refused file watchers; the server's own watcher remains", zap.Error(err))
		return
	}
	s.watchMu.Lock()
	s.watchID = id
	s.watchMu.Unlock()
	s.logger().Debug("client watches rule files", zap.Strings("globs", globs))
}

// unregisterWatchers withdraws the client file watchers, if any (watch: server).
func (s *session) unregisterWatchers() {
	s.watchMu.Lock()
	id := s.watchID
	s.watchID = ""
	s.watchMu.Unlock()
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	// "unregisterations" is the spelling of the LSP specification.
	params := map[string]any{"unregisterations": []map[string]any{{"id": id, "method": "workspace/didChangeWatchedFiles"}}}
	if _, err := s.conn.Call(ctx, "client/unregisterCapability", params, nil); err != nil {
		s.logger().Debug("client/unregisterCapability", zap.Error(err))
	}
}

// watchedFilesParams are the params of workspace/didChangeWatchedFiles.
type watchedFilesParams struct {
	Changes []struct {
		URI string `json:"uri"`
	} `json:"changes"`
}

// didChangeWatchedFiles reports the paths as modified; the reindexer of their folder
// reads them, the handler itself never touches the disk.
func (s *session) didChangeWatchedFiles(ctx context.Context, p *watchedFilesParams) error {
	var mods []modification
	for _, c := range p.Changes {
		if path, err := uriToPath(c.URI); err == nil {
			mods = append(mods, modification{kind: modFiles, path: path})
		}
	}
	s.didModify(mods...)
	return nil
}

// queueReindex hands a path to the reindexer of every folder that cares about it
// (didModify's modFiles).
func (s *session) queueReindex(p string) {
	for _, f := range s.currentFolders() {
		if !f.contains(p) && !isRuleFile([]*folder{f}, p) {
			continue
		}
		select {
		case f.reindex <- p:
		default:
			s.logger().Warn("reindex queue full; the server watcher will catch up", zap.String("path", p))
		}
	}
}

// runReindexer serves client file events for one folder until ctx ends. Events for
// one save can arrive three times (didSave, the client's watcher, the server's own):
// a burst is batched into one Reindex, and the index itself neither re-parses nor
// bumps the generation for content whose hash it already has. A pre-check here
// against the snapshot would be wrong: with an open buffer the snapshot shows the
// overlay, and the index must still learn what is on disk for when it closes.
func (s *session) runReindexer(ctx context.Context, f *folder, ix *index.Index) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-f.reindex:
			batch := map[string]bool{p: true}
		drain:
			for {
				select {
				case q := <-f.reindex:
					batch[q] = true
				default:
					break drain
				}
			}
			paths := make([]string, 0, len(batch))
			for q := range batch {
				paths = append(paths, q)
			}
			sort.Strings(paths)
			ch, err := ix.Reindex(ctx, "client-watch", paths...)
			if err != nil {
				if ctx.Err() == nil {
					s.logger().Warn("reindex", zap.Strings("paths", paths), zap.Error(err))
				}
				continue
			}
			s.didModify(modification{kind: modReindexed, folder: f, change: ch})
		}
	}
}
