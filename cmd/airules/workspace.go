package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
)

// workspace is what a CLI command needs of an indexed workspace.
type workspace struct {
	root       string
	set        *rules.Set
	files      *rules.FileList
	problems   map[string][]rules.Problem // abs path of each rule file → its problems
	generation uint64
	close      func() error
}

// workspaceFlags are the flags every workspace command shares.
type workspaceFlags struct {
	root     string
	rulesDir string
	noCache  bool
}

// findRoot walks up from start to the nearest folder holding a rules root or .git;
// without one it is start itself.
func findRoot(start, rulesDir string) string {
	dir := start
	for {
		for _, marker := range []string{rulesDir, ".git"} {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return start
		}
		dir = parent
	}
}

// resolveRoot makes the --root flag absolute, or finds the root from near (a file or
// folder the command is about).
func (f *workspaceFlags) resolveRoot(near string) (string, error) {
	if f.root != "" {
		abs, err := filepath.Abs(f.root)
		if err != nil {
			return "", fmt.Errorf("root %s: %w", f.root, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("root: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("root %s is not a folder", f.root)
		}
		return abs, nil
	}
	start, err := filepath.Abs(near)
	if err != nil {
		return "", err
	}
	if st, err := os.Stat(start); err != nil || !st.IsDir() {
		start = filepath.Dir(start)
	}
	return findRoot(start, f.rulesDir), nil
}

var skipDirs = map[string]bool{".git": true, "node_modules": true, "_build": true, "deps": true, "vendor": true}

// openWorkspace reads every rule file under root.
func openWorkspace(root string, f *workspaceFlags) (*workspace, error) {
	w := &workspace{root: root, problems: map[string][]rules.Problem{}, close: func() error { return nil }}
	rulesRoot := filepath.Join(root, f.rulesDir)
	var all []*rules.Rule
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			if p != root && skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		files = append(files, filepath.ToSlash(rel))
		if strings.HasPrefix(p, rulesRoot+string(filepath.Separator)) && strings.HasSuffix(p, ".md") {
			data, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			id, _ := filepath.Rel(rulesRoot, p)
			all = append(all, rules.Parse(rules.Source{Path: p, ID: strings.TrimSuffix(filepath.ToSlash(id), ".md"),
				Layer: rules.LayerProject, Format: rules.FormatAirules}, data))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	w.set = rules.NewSet(all, rules.SetOptions{})
	w.files = rules.NewFileList(files)
	for _, r := range all {
		w.problems[r.Path] = append(append([]rules.Problem(nil), r.Problems...), rules.UnmatchedGlobs(r, w.files)...)
	}
	return w, nil
}
