package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	for _, f := range scaffold {
		p := filepath.Join(base, filepath.FromSlash(f.path))
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
