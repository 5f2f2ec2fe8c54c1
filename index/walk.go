package index

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// found is a rule file seen on disk, with the stamp that decides whether to re-read it.
type found struct {
	src   rules.Source
	size  int64
	mtime int64 // unix nanoseconds
	tree  *tree // the file is read only if it lies in this tree, as opened
	// dirErr is set for a rule folder that exists but cannot be listed: src names the
	// folder, and its rule reports the error (AIR019).
	dirErr error
}

// scanResult is what one walk saw.
type scanResult struct {
	files []string         // workspace-relative slash paths of every file not skipped
	rules map[string]found // absolute path → rule file
}

// walker walks the workspace (or a part of it) and the user rules folder.
//
// Directory symlinks are not followed: whatever one points at inside the workspace is
// walked anyway under its real path, and nothing outside is ever read, so loops cannot
// happen. The exception is a rule root that is itself a link (.ai-rules → shared/rules)
// whose target lies inside the workspace. A symlinked file is read only when its target
// lies inside the tree being walked.
type walker struct {
	lay  *layout
	log  *zap.Logger
	out  *scanResult
	seen map[string]bool // rule roots the walk reached, by rel path

	rootTree, userTree *tree // resolved once per walk, when first needed
}

func newWalker(lay *layout, log *zap.Logger) *walker {
	return &walker{lay: lay, log: log, out: &scanResult{rules: map[string]found{}}, seen: map[string]bool{}}
}

// full walks everything: the workspace, rule roots the workspace walk skipped (an
// ignored .cursor/), the dependencies' usage rules and the user rules folder.
func (w *walker) full() *scanResult {
	// What the configuration and the manifests say decides what is a rule file.
	w.lay.loadConfig()
	w.lay.loadManifests()
	w.dir(w.lay.root, "", false)
	for _, r := range w.lay.ruleRoots() {
		if !w.seen[r] {
			w.ruleRoot(r)
		}
	}
	w.deps()
	if w.lay.userDir != "" {
		w.user(w.lay.userDir)
	}
	return w.out
}

// subtree walks one directory given by its absolute path, for an incremental reindex.
func (w *walker) subtree(abs string) {
	if rel, ok := w.lay.rel(abs); ok {
		switch {
		case rel == "":
			w.full()
		case w.lay.inRuleRoot(rel):
			w.dir(abs, rel, true)
		case under(rel, depsDir) || under(rel, nodeModulesDir):
			w.deps()
		case !w.lay.skipped(rel, true):
			w.dir(abs, rel, false)
			for _, r := range w.lay.ruleRoots() {
				if strings.HasPrefix(r, rel+"/") && !w.seen[r] {
					w.ruleRoot(r)
				}
			}
		default:
			// A skipped folder may still hold a rule root (an ignored .cursor/).
			for _, r := range w.lay.ruleRoots() {
				if strings.HasPrefix(r, rel+"/") {
					w.ruleRoot(r)
				}
			}
		}
		return
	}
	if w.lay.userDir != "" && (abs == w.lay.userDir || strings.HasPrefix(abs, w.lay.userDir+string(filepath.Separator))) {
		w.user(abs)
	}
}

func (w *walker) ruleRoot(rel string) {
	abs := filepath.Join(w.lay.root, filepath.FromSlash(rel))
	st, err := os.Stat(abs)
	if err != nil || !st.IsDir() || !w.insideRoot(abs) {
		return
	}
	w.seen[rel] = true
	w.dirRules(abs, rel)
}

// dirRules walks a rule root reached outside the workspace walk: rules only, its files
// are ignored by .gitignore and so are no workspace files.
func (w *walker) dirRules(abs, rel string) {
	save := w.out.files
	w.dir(abs, rel, true)
	w.out.files = save
}

// readDir lists a folder; rule, when set, is the source a rule folder that cannot be
// read is reported as.
func (w *walker) readDir(abs string, rule *rules.Source) []os.DirEntry {
	f, err := openForRead(abs)
	if err != nil {
		w.dirFailed(abs, rule, err)
		return nil
	}
	defer f.Close()
	// Unsorted: ReadDir(-1) on the open file skips os.ReadDir's sort.
	es, err := f.ReadDir(-1)
	if err != nil {
		w.dirFailed(abs, rule, err)
	}
	return es
}

// dirFailed reports a folder that cannot be listed: a rule folder becomes a problem
// (AIR019, so lint fails and the editor shows it), any other folder a warning.
func (w *walker) dirFailed(abs string, rule *rules.Source, err error) {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return // gone since it was listed: a normal race
	}
	if rule != nil {
		w.out.rules[rule.Path] = found{src: *rule, mtime: -1, dirErr: err}
		return
	}
	w.log.Warn("cannot read folder; its rules are left out", zap.String("dir", abs), zap.Error(err))
}

// ruleDirSource is the source an unreadable rule folder is reported as: its ID ends in
// a slash, so it never takes the key of a rule file.
func (w *walker) ruleDirSource(abs, rel string, layer rules.Layer) *rules.Source {
	return &rules.Source{Path: abs, ID: rel + "/", Layer: layer, Format: rules.FormatAirules}
}

// dir walks the workspace folder abs (rel to the root); inRoot says it is in a rule root,
// where nothing is skipped.
func (w *walker) dir(abs, rel string, inRoot bool) {
	var asRule *rules.Source
	if inRoot {
		asRule = w.ruleDirSource(abs, rel, rules.LayerProject)
	}
	for _, e := range w.readDir(abs, asRule) {
		name := e.Name()
		crel := name
		if rel != "" {
			crel = rel + "/" + name
		}
		cabs := abs + string(filepath.Separator) + name
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			w.symlink(cabs, crel, inRoot)
			continue
		}
		if typ.IsDir() {
			if !inRoot && w.skipEntry(crel, name, true) {
				continue
			}
			isRoot := w.isRuleRoot(crel)
			if isRoot {
				w.seen[crel] = true
			}
			w.dir(cabs, crel, inRoot || isRoot)
			continue
		}
		if !typ.IsRegular() {
			continue // sockets, devices, fifos
		}
		if !inRoot && w.skipEntry(crel, name, false) {
			continue
		}
		w.out.files = append(w.out.files, crel)
		if src, ok := w.lay.classifyRel(cabs, crel); ok {
			info, err := e.Info()
			if err != nil {
				continue // removed since listed
			}
			w.add(src, info)
		}
	}
}

func (w *walker) isRuleRoot(rel string) bool { return w.lay.isRuleRoot(rel) }

// skipEntry checks one entry whose parents were already checked.
func (w *walker) skipEntry(rel, name string, isDir bool) bool {
	if isDir && skipDirs[name] {
		return true
	}
	ig := w.lay.ignore.Load()
	return ig != nil && ig.ignored(rel, isDir)
}

func (w *walker) symlink(abs, rel string, inRoot bool) {
	st, err := os.Stat(abs)
	if err != nil {
		return // dangling, or a loop the OS refused to resolve
	}
	if !inRoot && w.skipEntry(rel, filepath.Base(abs), st.IsDir()) {
		return
	}
	if st.IsDir() {
		if w.isRuleRoot(rel) && w.insideRoot(abs) {
			w.seen[rel] = true
			w.dir(abs, rel, true)
		}
		return
	}
	if !st.Mode().IsRegular() {
		return
	}
	w.out.files = append(w.out.files, rel)
	if src, ok := w.lay.classifyRel(abs, rel); ok && w.insideRoot(abs) {
		w.add(src, st)
	}
}

// insideRoot reports whether abs, with every link resolved, lies in the workspace.
func (w *walker) insideRoot(abs string) bool {
	return resolvesInside(abs, w.lay.root)
}

func resolvesInside(abs, dir string) bool {
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return false
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	return real == realDir || strings.HasPrefix(real, realDir+string(filepath.Separator))
}

func (w *walker) add(src rules.Source, info fs.FileInfo) {
	w.out.rules[src.Path] = found{src: src, size: info.Size(), mtime: info.ModTime().UnixNano(), tree: w.treeOf(src)}
}

// treeOf is the tree a rule file must lie in: the user rules folder for the user
// layer, the module cache for a Go dependency's rules, the workspace for every other.
func (w *walker) treeOf(src rules.Source) *tree {
	if src.Layer == rules.LayerUser {
		if w.userTree == nil {
			w.userTree = newTree(w.lay.userDir)
		}
		return w.userTree
	}
	if src.Layer == rules.LayerDependency {
		if mc := w.lay.deps.Load().modCache; mc != "" && resolvesInside(src.Path, mc) {
			return newTree(mc)
		}
	}
	if w.rootTree == nil {
		w.rootTree = newTree(w.lay.root)
	}
	return w.rootTree
}

// deps adds the dependency rule files the manifests allow
// (layout.depCandidates): the rest of deps/ and node_modules/ is not ours.
func (w *walker) deps() {
	for _, abs := range w.lay.depCandidates(w.readDirQuiet) {
		st, err := os.Stat(abs)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if _, err := w.lay.readAuxCheck(abs); err != nil {
			continue
		}
		if src, ok := w.lay.classify(abs); ok {
			w.add(src, st)
		}
	}
}

// readDirQuiet lists a folder that may well not exist.
func (w *walker) readDirQuiet(abs string) []os.DirEntry {
	es, _ := os.ReadDir(abs)
	return es
}

// user walks the user rules folder (or a folder below it): every .md file, no
// workspace files.
func (w *walker) user(abs string) {
	rel, _ := filepath.Rel(w.lay.userDir, abs)
	for _, e := range w.readDir(abs, w.ruleDirSource(abs, filepath.ToSlash(rel), rules.LayerUser)) {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		cabs := abs + string(filepath.Separator) + name
		typ := e.Type()
		var info fs.FileInfo
		switch {
		case typ.IsDir():
			w.user(cabs)
			continue
		case typ&fs.ModeSymlink != 0:
			st, err := os.Stat(cabs)
			if err != nil || !st.Mode().IsRegular() || !resolvesInside(cabs, w.lay.userDir) {
				continue
			}
			info = st
		case typ.IsRegular():
		default:
			continue
		}
		src, ok := w.lay.classify(cabs)
		if !ok {
			continue
		}
		if info == nil {
			var err error
			if info, err = e.Info(); err != nil {
				continue
			}
		}
		w.add(src, info)
	}
}
