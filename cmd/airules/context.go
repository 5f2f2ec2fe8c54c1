package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server"
)

// contextOptions are the parsed flags and argument of `airules context`.
type contextOptions struct {
	ws        workspaceFlags
	maxTokens int
	language  string
	json      bool
	explain   bool
	file      string
}

func runContext(o contextOptions, stdout, stderr io.Writer) int {
	if o.maxTokens <= 0 {
		fmt.Fprintf(stderr, "airules context: --max-tokens must be positive\n")
		return 2
	}
	file, err := filepath.Abs(o.file)
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 2
	}
	root, err := o.ws.resolveRoot(file)
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 2
	}
	rel, err := filepath.Rel(root, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		fmt.Fprintf(stderr, "airules context: %s is outside the workspace %s\n", o.file, root)
		return 1
	}
	ws, err := openWorkspace(root, &o.ws, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 1
	}
	defer ws.close()

	sel := ws.set.Select(filepath.ToSlash(rel), o.language)
	c := rules.Budget(sel, o.maxTokens)
	if o.json {
		res := server.NewContextResult(c, server.FileURI(file), ws.generation)
		if o.explain {
			for _, e := range ws.set.Explain(sel.Path, sel.Language) {
				res.Explain = append(res.Explain, server.ExplainedRule{ID: e.Rule.ID, Applies: e.Applies, Why: e.Why})
			}
		}
		writeJSON(stdout, res)
		return 0
	}
	if o.explain {
		budget := map[*rules.Rule]bool{}
		for _, o := range c.Omitted {
			if o.Reason == "budget" {
				budget[o.Rule] = true
			}
		}
		for _, e := range ws.set.Explain(sel.Path, sel.Language) {
			mark := "-"
			why := e.Why
			switch {
			case e.Applies && budget[e.Rule]:
				mark, why = "~", why+"; left out: over the token budget"
			case e.Applies:
				mark = "+"
			}
			fmt.Fprintf(stdout, "%s %s (%s, priority %d): %s\n", mark, e.Rule.ID, e.Rule.Layer, e.Rule.Priority, why)
		}
		fmt.Fprintf(stdout, "\n%s, %d tokens of %d\n\n", count(len(c.Rules), "rule"), c.Tokens, c.MaxTokens)
	}
	if c.Prompt == "" {
		fmt.Fprintf(stderr, "airules context: no rules apply to %s\n", sel.Path)
		return 0
	}
	io.WriteString(stdout, c.Prompt)
	return 0
}
