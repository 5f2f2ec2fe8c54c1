package main

import (
	"errors"
	"flag"
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
description: Conventions for one language (rename the folder and edit the globs)
priority: 20
scope: [language]
globs: ["**/*.ex", "**/*.exs"]
---
- Replace this with the conventions of your language.
`},
	{"20-frameworks/.keep", ""},
	{"30-contexts/.keep", ""},
}

func cmdInit(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("init", flag.ContinueOnError)
	root := flags.String("root", ".", "workspace `folder` to create the rules tree in")
	rulesDir := flags.String("rules-dir", ".ai-rules", "rules root, relative to the workspace")
	flags.Usage = usageFor(flags, "init [--root DIR]", `
Create the numbered rules tree (00-global, 10-languages, 20-frameworks, 30-contexts) with
two example rules. Nothing is overwritten: if any file it would write exists, it writes
nothing and says which.`)
	if ok, code := parseFlags(flags, args, stdout, stderr); !ok {
		return code
	}
	base := filepath.Join(*root, *rulesDir)
	// Nothing is written outside the workspace: a .ai-rules (or a folder below it) that
	// is a link out of it, or a --rules-dir that climbs out, is refused. The check is
	// on the real path of the nearest folder that exists, again after each is made.
	rootReal, err := filepath.EvalSymlinks(*root)
	if err == nil {
		rootReal, err = filepath.Abs(rootReal)
	}
	if err != nil {
		fmt.Fprintf(stderr, "airules init: workspace %s: %v\n", *root, err)
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
