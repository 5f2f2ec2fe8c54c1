package main

import (
	"encoding/json"
	"errors"
	"flag"
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

	selected, err := selectFiles(ws, fs.Args(), wf.rulesDir)
	if err != nil {
		fmt.Fprintf(stderr, "airules lint: %v\n", err)
		if errors.Is(err, errNoRuleLocation) {
			fmt.Fprint(stderr, ruleLocations(wf.rulesDir))
		}
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
	switch *format {
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
}

// errNoRuleLocation marks a lint PATH that is no place rule files are read from.
var errNoRuleLocation = errors.New("not a rule location")

// selectFiles maps the lint arguments to rule files of the workspace.
func selectFiles(ws *workspace, args []string, rulesDir string) ([]string, error) {
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

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
