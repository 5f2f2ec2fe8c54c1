package server

import (
	"github.com/airules/airules/index"
)

// modKind says what a modification reports.
type modKind int

const (
	// modBuffer: an open buffer's text, after didOpen or didChange. Applied at once: rule
	// files are small, and diagnostics follow every keystroke.
	modBuffer modKind = iota
	// modClose: a buffer was closed; the disk is the truth again.
	modClose
	// modFiles: files may have changed on disk (didSave without a server watcher, the
	// client's file events). The folder's reindexer reads them off the request queue
	// and reports what it found as modReindexed.
	modFiles
	// modReindexed: the index already applied a change (its own fsnotify watcher, or the
	// folder's reindexer).
	modReindexed
	// modDisabled: the configuration's disabled rules changed.
	modDisabled
)

// A modification is one report, from any source, that the rules may have changed.
type modification struct {
	kind     modKind
	path     string       // absolute; modBuffer, modClose, modFiles
	text     []byte       // modBuffer
	disabled []string     // modDisabled
	folder   *folder      // modReindexed: whose index applied change
	change   index.Change // modReindexed
}

// didModify is the one path from a change, whatever reported it, to the client: the
// index applies it, and what it changed is published once (diagnostics of the rule
// files concerned, then airules/indexChanged). gopls's didModifyFiles is the model.
func (s *session) didModify(mods ...modification) {
	for _, m := range mods {
		switch m.kind {
		case modBuffer, modClose:
			s.mu.Lock()
			// Under s.mu: the open of an index applies the overlays of the open documents
			// under it too, so an edit can never be overwritten by an older text.
			var changes []folderChange
			for _, f := range ruleFolders(s.folders, m.path) {
				ix := f.index()
				if m.kind == modBuffer {
					changes = append(changes, folderChange{f, ix.SetOverlay(m.path, m.text)})
				} else {
					changes = append(changes, folderChange{f, ix.ClearOverlay(m.path)})
				}
			}
			s.mu.Unlock()
			for _, c := range changes {
				s.publishChange(c.f, c.ch)
			}
		case modFiles:
			s.queueReindex(m.path)
		case modReindexed:
			if m.folder.isReady() { // else the full publication after the open covers it
				s.publishChange(m.folder, m.change)
			}
		case modDisabled:
			for _, f := range s.currentFolders() {
				if ix := f.index(); ix != nil {
					s.publishChange(f, ix.SetDisabled(m.disabled))
				}
			}
		}
	}
}

type folderChange struct {
	f  *folder
	ch index.Change
}

// publishChange queues the publication of one change of a folder's index; the outbox
// keeps the order of changes.
func (s *session) publishChange(f *folder, ch index.Change) {
	if ch.Empty() {
		return
	}
	s.outbox.push(func() {
		if len(ch.Problems) > 0 {
			s.publishProblems(f, ch.Problems, ch.Generation)
		}
		s.notifyIndexChanged(f, ch.Generation)
	})
}
