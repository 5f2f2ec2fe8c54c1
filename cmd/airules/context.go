package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server"
)

func cmdContext(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("context", flag.ContinueOnError)
	var wf workspaceFlags
	addWorkspaceFlags(fs, &wf)
	maxTokens := fs.Int("max-tokens", rules.DefaultMaxTokens, "token `budget` of the prompt")
	lang := fs.String("language", "", "LSP language `id` of the file (default: from its extension)")
	asJSON := fs.Bool("json", false, "print the full airules/context result as JSON")
	explain := fs.Bool("explain", false, "also say, for every rule, why it applies or why not")
	fs.Usage = usageFor(fs, "context [--root DIR] [--max-tokens N] [--language ID] [--json] [--explain] FILE", `
Print the rule context for FILE: the rules that apply, in order, cut to the token budget
and rendered as markdown, ready to paste into an assistant. With --json, print the same
result the language server returns for airules/context. FILE need not exist yet.`)
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "airules context: want exactly one FILE, got %d\n", fs.NArg())
		fs.SetOutput(stderr)
		fs.Usage()
		return 2
	}
	if *maxTokens <= 0 {
		fmt.Fprintf(stderr, "airules context: --max-tokens must be positive\n")
		return 2
	}
	file, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 2
	}
	root, err := wf.resolveRoot(file)
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 2
	}
	rel, err := filepath.Rel(root, file)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		fmt.Fprintf(stderr, "airules context: %s is outside the workspace %s\n", fs.Arg(0), root)
		return 1
	}
	ws, err := openWorkspace(root, &wf, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules context: %v\n", err)
		return 1
	}
	defer ws.close()

	content := readTarget(file)
	sel := ws.set.SelectContent(filepath.ToSlash(rel), *lang, content)
	c := rules.Budget(sel, *maxTokens)
	if *asJSON {
		res := server.NewContextResult(c, server.FileURI(file), ws.generation)
		if *explain {
			for _, e := range ws.set.ExplainContent(sel.Path, sel.Language, content) {
				res.Explain = append(res.Explain, server.ExplainedRule{ID: e.Rule.ID, Applies: e.Applies, Why: e.Why})
			}
		}
		writeJSON(stdout, res)
		return 0
	}
	if *explain {
		budget := map[*rules.Rule]bool{}
		for _, o := range c.Omitted {
			if o.Reason == "budget" {
				budget[o.Rule] = true
			}
		}
		for _, e := range ws.set.ExplainContent(sel.Path, sel.Language, content) {
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
		fmt.Fprintf(stdout, "\n%d rules, %d tokens of %d\n\n", len(c.Rules), c.Tokens, c.MaxTokens)
	}
	if c.Prompt == "" {
		fmt.Fprintf(stderr, "airules context: no rules apply to %s\n", sel.Path)
		return 0
	}
	io.WriteString(stdout, c.Prompt)
	return 0
}
