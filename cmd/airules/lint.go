package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	segjson "github.com/segmentio/encoding/json"

	"github.com/airules/airules/index"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

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

	selected, err := selectFiles(ws, o.paths, o.ws.rulesDir)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		if errors.Is(err, errNoRuleLocation) {
			fmt.Fprint(stderr, ruleLocations(o.ws.rulesDir))
		}
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
	switch o.format {
	case "json":
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

// errNoRuleLocation marks a lint PATH that is no place rule files are read from.
var errNoRuleLocation = errors.New("not a rule location")

// selectFiles maps the lint arguments to rule files of the workspace.
func selectFiles(ws *workspace, args []string, rulesDir string) ([]string, error) {
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
			return nil, fmt.Errorf("%s is not a rule file of the workspace %s: %w", a, ws.root, errNoRuleLocation)
		}
		if n == len(out) && !isRuleLocation(ws.root, abs, rulesDir) {
			return nil, fmt.Errorf("%s holds no rule files of the workspace %s: %w", a, ws.root, errNoRuleLocation)
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

// writeJSON writes v indented, as encoding/json's Encoder with SetIndent("", "  ")
// and SetEscapeHTML(false) would: encoded by segmentio's encoder (a rules listing of
// 10,000 rules is megabytes, and the standard one was a fifth of a warm run), then
// indented by appendIndented, in one write.
func writeJSON(w io.Writer, v any) {
	compact, err := segjson.Append(nil, v, segjson.SortMapKeys)
	if err != nil {
		return
	}
	out := appendIndented(make([]byte, 0, len(compact)+len(compact)/2), compact)
	_, _ = w.Write(append(out, '\n'))
}
