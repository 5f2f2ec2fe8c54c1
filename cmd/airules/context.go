package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

// contextOptions are the parsed flags and argument of `airules context`.
type contextOptions struct {
	ws        workspaceFlags
	maxTokens int
	language  string
	json      bool
	explain   bool
	content   bool // with json: each rule's body in rules[].content
	// maxOmitted: how many omitted rules --json and --explain list (0: the
	// default, negative: all), as airules/context's maxOmitted.
	maxOmitted int
	file       string
}

func runContext(o contextOptions, stdout, stderr io.Writer) int {
	if o.maxTokens < 0 {
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

	content := readTarget(root, filepath.ToSlash(rel))
	c := ws.snap.Context(filepath.ToSlash(rel), o.language, content, o.maxTokens)
	if o.json {
		res := wire.NewContextResult(c, wire.FileURI(file), ws.generation, wire.Shape{Content: o.content, MaxOmitted: o.maxOmitted})
		if o.explain {
			res.Explain = wire.Explained(ws.set, c, content)
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
		for _, e := range ws.set.ExplainContent(c.Path, c.Language, content) {
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
		fmt.Fprintf(stdout, "\n%s, %d tokens of %d\n", count(len(c.Rules), "rule"), c.Tokens, c.MaxTokens)
		writeOmitted(stdout, c.Omitted, o.maxOmitted)
		io.WriteString(stdout, "\n")
	}
	if c.Prompt == "" {
		fmt.Fprintf(stderr, "airules context: no rules apply to %s\n", c.Path)
		return 0
	}
	io.WriteString(stdout, c.Prompt)
	return 0
}

// writeOmitted lists the omitted rules as --json would (the first maxOmitted, see
// wire.OmittedListed), one a line, and counts the rest.
func writeOmitted(w io.Writer, omitted []rules.Omission, maxOmitted int) {
	if len(omitted) == 0 {
		return
	}
	fmt.Fprintf(w, "%s omitted:\n", count(len(omitted), "rule"))
	listed := wire.OmittedListed(len(omitted), maxOmitted)
	for _, o := range omitted[:listed] {
		fmt.Fprintf(w, "  %s (%s, %d tokens", o.Rule.ID, o.Reason, o.Rule.Tokens())
		if o.Of != nil {
			fmt.Fprintf(w, ", of %s", o.Of.ID)
		}
		io.WriteString(w, ")\n")
	}
	if more := len(omitted) - listed; more > 0 {
		fmt.Fprintf(w, "  … and %d more omitted (--max-omitted -1 lists all)\n", more)
	}
}
