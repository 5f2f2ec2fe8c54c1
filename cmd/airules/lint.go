package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/airules/airules/index"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

func cmdLint(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	var wf workspaceFlags
	addWorkspaceFlags(fs, &wf)
	format := fs.String("format", "text", "output `format`: text, json or sarif")
	fs.Usage = usageFor(fs, "lint [--root DIR] [--format text|json|sarif] [PATH...]", `
Report problems in rule files: frontmatter syntax and types, unknown keys, invalid or
unmatched globs, unknown languages, dates, empty bodies and more (codes AIR001 and up).
With no PATH, every rule file of the workspace is linted; a PATH that is a folder lints
the rule files under it.

Exit status: 0 when clean or only warnings, 1 when any error, 2 on usage errors.`)
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		fmt.Fprintf(stderr, "airules lint: unknown format %q (want text, json or sarif)\n", *format)
		return 2
	}
	near := "."
	if fs.NArg() > 0 {
		near = fs.Arg(0)
	}
	root, err := wf.resolveRoot(near)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 2
	}
	ws, err := openWorkspace(root, &wf, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 1
	}
	defer ws.close()

	selected, err := selectFiles(ws, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 2
	}
	out := []wire.Problem{}
	errorsFound := false
	for _, path := range selected {
		for _, p := range ws.problems[path] {
			errorsFound = errorsFound || p.Severity == rules.SeverityError
		}
		out = append(out, wire.NewProblems(displayPath(path), ws.problems[path])...)
	}
	switch *format {
	case "json":
		writeJSON(stdout, out)
	case "sarif":
		writeJSON(stdout, sarifLog(out))
	default:
		for _, f := range out {
			fmt.Fprintf(stdout, "%s:%d:%d: %s %s %s\n", f.File, f.Line, f.Column, f.Severity, f.Code, f.Message)
		}
		if len(out) == 0 {
			fmt.Fprintf(stderr, "%d rule files, no problems\n", len(selected))
		}
	}
	if errorsFound {
		return 1
	}
	return 0
}

func addWorkspaceFlags(fs *flag.FlagSet, wf *workspaceFlags) {
	fs.StringVar(&wf.root, "root", "", "workspace `folder` (default: the nearest folder above with .ai-rules or .git)")
	fs.StringVar(&wf.rulesDir, "rules-dir", ".ai-rules", "rules root, relative to the workspace")
	fs.BoolVar(&wf.noCache, "no-cache", false, "do not use or update the index cache; read every file")
	fs.DurationVar(&wf.teamTimeout, "team-timeout", 2*time.Second, "how long to wait for the team server before answering from the cache")
}

// selectFiles maps the lint arguments to rule files of the workspace.
func selectFiles(ws *workspace, args []string) ([]string, error) {
	var all []string
	for p := range ws.problems {
		if index.IsTeamPath(p) {
			continue // the team's rules are linted where they are written, not in every workspace
		}
		all = append(all, p)
	}
	sort.Strings(all)
	if len(args) == 0 {
		return all, nil
	}
	var out []string
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		n := len(out)
		for _, p := range all {
			if p == abs || (st.IsDir() && strings.HasPrefix(p, abs+string(filepath.Separator))) {
				out = append(out, p)
			}
		}
		if n == len(out) && !st.IsDir() {
			return nil, fmt.Errorf("%s is not a rule file of the workspace %s", a, ws.root)
		}
	}
	return out, nil
}

// displayPath shows a path relative to the working directory when it is below it.
func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
