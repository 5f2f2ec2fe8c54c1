package mcp

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// fence decides which paths a client may ask about: those inside the workspace root
// and, for rule files, inside the configured rule sources (the native rules root, the
// user's rules folder), lexically and after every symbolic link is followed.
type fence struct {
	root    string   // the index's root, as the index knows it
	sources []string // rule sources outside the root may be reached (absolute)
}

func newFence(root, rulesDir, userDir string) fence {
	f := fence{root: root}
	for _, d := range []string{rulesDir, userDir} {
		if d == "" {
			continue
		}
		if abs, err := filepath.Abs(d); err == nil {
			f.sources = append(f.sources, abs)
		}
	}
	return f
}

// resolved is a path the fence let through.
type resolved struct {
	abs string // absolute, under the index's root (or a rule source)
	rel string // workspace-relative slash path; "" when outside the root
}

// resolve checks a client's path: absolute, or relative to the root. ruleSources
// also admits paths inside the rule sources outside the root (lint_rules). The error
// says why a path is refused.
func (f fence) resolve(p string, ruleSources bool) (resolved, error) {
	if strings.TrimSpace(p) == "" {
		return resolved{}, errors.New("path is empty: give a file path, absolute or relative to the workspace root " + f.root)
	}
	if strings.HasPrefix(p, "file://") {
		// A model may pass back a URI an answer gave it.
		u, err := url.Parse(p)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			return resolved{}, fmt.Errorf("%s is not a local file URI", p)
		}
		p = filepath.FromSlash(u.Path)
		if len(p) > 1 && filepath.VolumeName(p[1:]) != "" {
			p = p[1:] // file:///C:/x on Windows
		}
	}
	if strings.ContainsRune(p, 0) {
		return resolved{}, errors.New("path contains a NUL byte")
	}
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if part == ".." {
			return resolved{}, fmt.Errorf("path %q contains '..'; refused: give a path inside the workspace %s without '..'", p, f.root)
		}
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(f.root, abs)
	}
	abs = filepath.Clean(abs)

	bases := []string{f.root}
	if ruleSources {
		bases = append(bases, f.sources...)
	}
	base, rest, ok := under(abs, bases)
	if !ok {
		// The client may know the workspace by its real path (a root reached
		// through a link, like /tmp on macOS): map it back to the index's root.
		if realRoot, err := filepath.EvalSymlinks(f.root); err == nil {
			if r, in := relUnder(realRoot, abs); in {
				base, rest, ok = f.root, r, true
				abs = filepath.Join(f.root, r)
			}
		}
		if !ok {
			where := "the workspace " + f.root
			if ruleSources && len(f.sources) > 0 {
				where += " and its rule sources"
			}
			return resolved{}, fmt.Errorf("%s is outside %s; refused: only files inside it have rules", p, where)
		}
	}

	// Follow links: the real place must be inside the real form of some base.
	real, err := evalExisting(abs)
	if err != nil {
		return resolved{}, fmt.Errorf("%s: cannot resolve it: %w", p, err)
	}
	inside := false
	for _, b := range bases {
		rb, err := filepath.EvalSymlinks(b)
		if err != nil {
			continue // a source that does not exist holds nothing
		}
		if _, ok := relUnder(rb, real); ok {
			inside = true
			break
		}
	}
	if !inside {
		return resolved{}, fmt.Errorf("%s leads, through a symbolic link, outside the workspace %s; refused", p, f.root)
	}
	out := resolved{abs: abs}
	if base == f.root {
		out.rel = filepath.ToSlash(rest)
	}
	return out, nil
}

// under finds the first base that holds p, and p relative to it.
func under(p string, bases []string) (base, rel string, ok bool) {
	for _, b := range bases {
		if r, ok := relUnder(b, p); ok {
			return b, r, true
		}
	}
	return "", "", false
}

// relUnder is p relative to base when p is base or inside it.
func relUnder(base, p string) (string, bool) {
	r, err := filepath.Rel(base, p)
	if err != nil || (r != "." && !filepath.IsLocal(r)) {
		return "", false
	}
	return r, true
}

// evalExisting follows the links of p's longest existing prefix and appends the rest:
// a file that does not exist yet (rules for a new file) resolves through its folder.
func evalExisting(p string) (string, error) {
	var missing []string
	cur := p
	for {
		real, err := filepath.EvalSymlinks(cur)
		if err == nil {
			return filepath.Join(append([]string{real}, missing...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		// A dangling link names a target that may lie anywhere: refuse to guess.
		if fi, lerr := os.Lstat(cur); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("%s is a link to something that does not exist", cur)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return "", err
		}
		missing = append([]string{filepath.Base(cur)}, missing...)
		cur = parent
	}
}
