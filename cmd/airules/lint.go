package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/airules/airules/rules"
)

// finding is one problem of one file, in the JSON shape of `lint --format json`
// (1-based lines and UTF-16 columns).
type finding struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	EndLine   int    `json:"endLine"`
	EndColumn int    `json:"endColumn"`
	Severity  string `json:"severity"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// lintOptions are the parsed flags and arguments of `airules lint`.
type lintOptions struct {
	ws     workspaceFlags
	format string
	paths  []string
}

func runLint(o lintOptions, stdout, stderr io.Writer) int {
	if o.format != "text" && o.format != "json" && o.format != "sarif" {
		fmt.Fprintf(stderr, "airules lint: unknown format %q (want text, json or sarif)\n", o.format)
		return 2
	}
	near := "."
	if len(o.paths) > 0 {
		near = o.paths[0]
	}
	root, err := o.ws.resolveRoot(near)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 2
	}
	ws, err := openWorkspace(root, &o.ws, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 1
	}
	defer ws.close()

	selected, err := selectFiles(ws, o.paths)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		return 2
	}
	var out []finding
	errorsFound := false
	for _, path := range selected {
		ps := append([]rules.Problem(nil), ws.problems[path]...)
		sort.SliceStable(ps, func(i, j int) bool {
			a, b := ps[i].Range.Start, ps[j].Range.Start
			return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
		})
		display := displayPath(path)
		for _, p := range ps {
			if p.Severity == rules.SeverityError {
				errorsFound = true
			}
			out = append(out, finding{
				File: display, Line: p.Range.Start.Line + 1, Column: p.Range.Start.Column + 1,
				EndLine: p.Range.End.Line + 1, EndColumn: p.Range.End.Column + 1,
				Severity: p.Severity.String(), Code: string(p.Code), Message: p.Message,
			})
		}
	}
	switch o.format {
	case "json":
		if out == nil {
			out = []finding{}
		}
		writeJSON(stdout, out)
	case "sarif":
		writeJSON(stdout, sarifLog(out))
	default:
		for _, f := range out {
			fmt.Fprintf(stdout, "%s:%d:%d: %s %s %s\n", f.File, f.Line, f.Column, f.Severity, f.Code, f.Message)
		}
		if len(out) == 0 {
			fmt.Fprintf(stderr, "%s, no problems\n", count(len(selected), "rule file"))
		}
	}
	if errorsFound {
		return 1
	}
	return 0
}

// selectFiles maps the lint arguments to rule files of the workspace.
func selectFiles(ws *workspace, args []string) ([]string, error) {
	var all []string
	for p := range ws.problems {
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
