package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// scaffold is what `airules init` writes, relative to the rules root.
var scaffold = []struct{ path, content string }{
	{"00-global/general.md", `---
description: General conventions for every file in this project
priority: 50
scope: [global]
alwaysApply: true
---
- Follow the existing style of the file you edit.
- Explain why in comments, not what.
`},
	{"10-languages/example/style.md", `---
description: Conventions for one language (rename the folder, then say which files)
priority: 20
scope: [language]
# Until it names its files, the rule is agent-requested: offered by its description.
# Name them by language id, by glob, or both (then a file must match both):
# language: [go]
# globs: ["**/*.go"]
---
- Replace this with the conventions of your language.
`},
	{"20-frameworks/.keep", ""},
	{"30-contexts/.keep", ""},
}

// initOptions are the parsed flags of `airules init`.
type initOptions struct {
	root     string
	rulesDir string
}

func runInit(o initOptions, stdout, stderr io.Writer) int {
	base := filepath.Join(o.root, o.rulesDir)
	// Nothing is written outside the workspace: a .ai-rules (or a folder below it) that
	// is a link out of it, or a --rules-dir that climbs out, is refused. The check is
	// on the real path of the nearest folder that exists, again after each is made.
	rootReal, err := filepath.EvalSymlinks(o.root)
	if err == nil {
		rootReal, err = filepath.Abs(rootReal)
	}
	if err != nil {
		fmt.Fprintf(stderr, "airules init: workspace %s: %v\n", o.root, err)
		return 1
	}
	outside := func(dir string) error {
		for p := dir; ; p = filepath.Dir(p) {
			if _, err := os.Lstat(p); err != nil {
				if filepath.Dir(p) == p {
					return err
				}
				continue
			}
			real, err := filepath.EvalSymlinks(p)
			if err == nil {
				real, err = filepath.Abs(real)
			}
			if err != nil {
				return err
			}
			if real != rootReal && !strings.HasPrefix(real, rootReal+string(filepath.Separator)) {
				return fmt.Errorf("%s resolves to %s, outside the workspace %s; nothing written", p, real, rootReal)
			}
			return nil
		}
	}
	for _, f := range scaffold {
		p := filepath.Join(base, filepath.FromSlash(f.path))
		if err := outside(filepath.Dir(p)); err != nil {
			fmt.Fprintf(stderr, "airules init: %v\n", err)
			return 1
		}
		if _, err := os.Lstat(p); err == nil {
			fmt.Fprintf(stderr, "airules init: %s exists; nothing written\n", p)
			return 1
		} else if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "airules init: %v\n", err)
			return 1
		}
	}
	for _, f := range scaffold {
		p := filepath.Join(base, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(stderr, "airules init: %v\n", err)
			return 1
		}
		if err := outside(filepath.Dir(p)); err != nil { // a link swapped in meanwhile
			fmt.Fprintf(stderr, "airules init: %v\n", err)
			return 1
		}
		// O_EXCL: never replace a file that appeared since the check above.
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "airules init: %v\n", err)
			return 1
		}
		_, werr := io.WriteString(fh, f.content)
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			fmt.Fprintf(stderr, "airules init: write %s: %v\n", p, werr)
			return 1
		}
		if f.content != "" {
			fmt.Fprintf(stdout, "created %s\n", p)
		}
	}
	return 0
}
