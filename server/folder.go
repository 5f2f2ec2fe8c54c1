package server

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/airules/airules/index"
)

// folder is one workspace folder with its index. The index opens in the background:
// until ready is closed, ix is nil and requests answer "indexing".
type folder struct {
	uri  string
	root string // absolute, clean
	name string

	ix    atomic.Pointer[index.Index]
	ready chan struct{} // closed when the open finished, with or without an index
	// progress is the first index's progress, done<<32 | total rule files, for
	// $/progress reports while the folder is still opening.
	progress atomic.Uint64
	err      error // why the open failed; read only after ready is closed

	// cancel stops the open goroutine and closes the index (on reopen or exit).
	cancel context.CancelFunc
	// reindex receives paths from client file events; see watch.go.
	reindex chan string
	// lastGen is the last generation announced with airules/indexChanged; guarded by
	// the publisher's mutex.
	lastGen uint64
	// genBase is added to the index's generations: a reopened folder (new rulesDir)
	// starts a new index, and the generations the client sees must still only grow.
	genBase uint64
	// answers caches the encoded airules/context answers of the current snapshot.
	answers answers
	// counting is the index's token counting round, done<<32 | total rules;
	// countingEnd is signalled as a round ends, and countingReported is set while a
	// round is reported with $/progress (counting.go).
	counting         atomic.Uint64
	countingEnd      chan struct{}
	countingReported atomic.Bool
}

func newFolder(uri, root, name string) *folder {
	if name == "" {
		name = filepath.Base(root)
	}
	return &folder{uri: uri, root: root, name: name, ready: make(chan struct{}), reindex: make(chan string, 256),
		countingEnd: make(chan struct{}, 1)}
}

// index returns the folder's index, or nil while it is opening or when it failed.
func (f *folder) index() *index.Index { return f.ix.Load() }

// isReady reports whether the first open has finished.
func (f *folder) isReady() bool {
	select {
	case <-f.ready:
		return true
	default:
		return false
	}
}

// contains reports whether path lies inside the folder.
func (f *folder) contains(path string) bool {
	return path == f.root || strings.HasPrefix(path, f.root+string(filepath.Separator)) ||
		(strings.HasSuffix(f.root, string(filepath.Separator)) && strings.HasPrefix(path, f.root))
}

// rel is path relative to the folder, slash-separated, as rules.Set.Select takes it.
func (f *folder) rel(path string) string {
	r, err := filepath.Rel(f.root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// folderFor returns the innermost folder that contains path, or nil. Nested folders
// are allowed (a monorepo opened with a package as a second root): the innermost wins.
func folderFor(folders []*folder, path string) *folder {
	var best *folder
	for _, f := range folders {
		if f.contains(path) && (best == nil || len(f.root) > len(best.root)) {
			best = f
		}
	}
	return best
}

// ruleFolders returns the folders whose index treats path as a rule file. A user rule
// (outside every folder) belongs to every index; a workspace rule to its own.
func ruleFolders(folders []*folder, path string) []*folder {
	var out []*folder
	for _, f := range folders {
		if ix := f.index(); ix != nil && ix.IsRuleFile(path) {
			out = append(out, f)
		}
	}
	return out
}

// isRuleFile reports whether any ready index treats path as a rule file.
func isRuleFile(folders []*folder, path string) bool { return len(ruleFolders(folders, path)) > 0 }
