package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
	"github.com/spf13/cobra"
)

// This file is the command line's front: each command's flags, arguments, help and
// examples. The work is in run<Command>, which takes the parsed options.

// rootLong is the root's help: what the tool is, and how a workspace is found.
const rootLong = `airules: which AI-assistant rules apply to a file, in which order, and why.

The workspace commands (context, lint, rules, history) find the workspace root from the
file or folder they are given, or the current folder: the nearest folder above it holding
the native rules folder (.ai-rules, or --rules-dir), another tool's rules (.cursor/rules,
.cursorrules, .github/copilot-instructions.md, .github/instructions, .windsurf/rules,
.windsurfrules, .clinerules, .continue/rules, .kiro/steering) or .git; else the nearest
holding AGENTS.md, CLAUDE.md, .claude, GEMINI.md, go.mod, package.json or mix.exs; else
the folder itself. It is never / or the home folder. --root overrides the search.`

func newContextCmd(a *app) *cobra.Command {
	var o contextOptions
	c := &cobra.Command{
		Use:   "context [--root DIR] [--max-tokens N] [--language ID] [--json] [--explain] [--max-omitted N] FILE",
		Short: "print the rule context for a file (the prompt, or JSON)",
		Long: fmt.Sprintf(`Print the rule context for FILE: the rules that apply, in order, cut to the token budget
and rendered as markdown, ready to paste into an assistant. With --json, print the same
result the language server returns for airules/context. FILE need not exist yet.
--json and --explain list the first %d omitted rules (those that apply but were left
out: over the budget, disabled, shadowed, duplicate), the nearest to being applied
first, and count the rest; --max-omitted -1 lists them all.`, wire.DefaultMaxOmitted),
		Example: `  airules context lib/app_web/live/page_live.ex
  airules context lib/app_web/live/page_live.ex --explain
  airules context src/new_file.ts --json --max-tokens 4000 | jq '.rules[].id'`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("want exactly one FILE, got %d", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.file = args[0]
			a.code = runContext(o, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	addWorkspaceFlags(f, &o.ws)
	f.IntVar(&o.maxTokens, "max-tokens", 0, fmt.Sprintf("the token budget `N` of the prompt (default: the workspace configuration's maxTokens, else %d)", rules.DefaultMaxTokens))
	f.StringVar(&o.language, "language", "", "the LSP language `ID` of the file (default: from its extension)")
	f.BoolVar(&o.json, "json", false, "print the full airules/context result as JSON")
	f.BoolVar(&o.explain, "explain", false, "also say, for every rule, why it applies or why not")
	f.BoolVar(&o.content, "content", false, "with --json: each rule's body in rules[].content too (the prompt holds them all)")
	f.IntVar(&o.maxOmitted, "max-omitted", 0, fmt.Sprintf("with --json or --explain: list at most `N` omitted rules (0: %d; -1: all); the rest are counted", wire.DefaultMaxOmitted))
	_ = c.RegisterFlagCompletionFunc("language", fixedCompletion(rules.KnownLanguages()...))
	completeRulesDir(c)
	return c
}

func newLintCmd(a *app) *cobra.Command {
	var o lintOptions
	c := &cobra.Command{
		Use:   "lint [--root DIR] [--format text|json|sarif] [PATH...]",
		Short: "report problems in rule files",
		Long: `Report problems in rule files: frontmatter syntax and types, unknown keys, invalid or
unmatched globs, unknown languages, dates, empty bodies and more (codes AIR001 and up).
With no PATH, every rule file of the workspace is linted; a PATH that is a folder lints
the rule files under it.

Exit status: 0 when clean or only warnings, 1 when any error, 2 on usage errors.`,
		Example: `  airules lint
  airules lint .ai-rules/20-frameworks --format json
  airules lint --format sarif > airules.sarif`,
		// A PATH that does not exist is a usage error at once, before any indexing.
		Args: func(_ *cobra.Command, args []string) error {
			for _, p := range args {
				if _, err := os.Stat(p); err != nil {
					return err
				}
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			o.paths = args
			a.code = runLint(o, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	addWorkspaceFlags(f, &o.ws)
	o.ws.progress = true
	f.StringVar(&o.format, "format", "text", "output `FORMAT`: text, json or sarif")
	_ = c.RegisterFlagCompletionFunc("format", fixedCompletion("text", "json", "sarif"))
	completeRulesDir(c)
	return c
}

func newRulesCmd(a *app) *cobra.Command {
	var o rulesOptions
	c := &cobra.Command{
		Use:   "rules [--root DIR] [--json] [--stats]",
		Short: "list every indexed rule",
		Long: `List every indexed rule of the workspace with its layer, priority, status and number of
problems, in rule order. With --stats, print the index's metrics for this run: how many
files were parsed (0 on a warm start with nothing changed), and how long indexing took.`,
		Example: `  airules rules
  airules rules --json | jq -r '.rules[] | select(.problems > 0) | .id'
  airules rules --stats --no-cache`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runRules(o, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	addWorkspaceFlags(f, &o.ws)
	o.ws.progress = true
	f.BoolVar(&o.json, "json", false, "print JSON (the airules/rules result)")
	f.BoolVar(&o.stats, "stats", false, "print the index's metrics instead (parses, cache hits, timings)")
	completeRulesDir(c)
	return c
}

func newHistoryCmd(a *app) *cobra.Command {
	var o historyOptions
	c := &cobra.Command{
		Use:   "history [--root DIR] [--json] [--limit N] [RULE-ID]",
		Short: "print the index's event log (rule created, updated, deleted, invalid)",
		Long: `Print the event log of the workspace's index, newest first: one line per event with its
sequence number, time (UTC), type (created, updated, deleted, invalid), rule id, layer
and version. Give a RULE-ID (like 10-languages/elixir/otp-patterns) to see one rule's
history only.

The log lives in the index cache (never in the workspace) and is bounded; opening it
first brings the index up to date, so changes made since the last run are logged with
the cause "cli". With --no-cache, the log is this run's alone.`,
		Example: `  airules history
  airules history 10-languages/elixir/otp-patterns --limit 5
  airules history --json --limit 0 > events.json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return fmt.Errorf("one RULE-ID at most, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.ruleID = args[0]
			}
			a.code = runHistory(o, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	addWorkspaceFlags(f, &o.ws)
	f.BoolVar(&o.json, "json", false, "print a JSON array of events")
	f.IntVar(&o.limit, "limit", 50, "print at most `N` events, newest first; 0 prints all")
	completeRulesDir(c)
	return c
}

func newInitCmd(a *app) *cobra.Command {
	var o initOptions
	c := &cobra.Command{
		Use:   "init [--root DIR] [--rules-dir DIR]",
		Short: "scaffold a .ai-rules/ tree with two example rules",
		Long: `Create the numbered rules tree (00-global, 10-languages, 20-frameworks, 30-contexts) with
two example rules. Nothing is overwritten: if any file it would write exists, it writes
nothing and says which.`,
		Example: `  airules init
  airules init --root ~/src/myapp && airules lint --root ~/src/myapp`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runInit(o, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.root, "root", ".", "the workspace `DIR` to create the rules tree in")
	f.StringVar(&o.rulesDir, "rules-dir", ".ai-rules", "the rules folder `DIR`, relative to the workspace")
	completeRulesDir(c)
	return c
}

func newSchemaCmd(a *app) *cobra.Command {
	var o schemaOptions
	c := &cobra.Command{
		Use:   "schema [--format NAME]",
		Short: "print the JSON Schema of a rule format's frontmatter",
		Long: fmt.Sprintf(`Print the JSON Schema (draft-07) of the frontmatter of a rule format, built from the same
key tables airules lint checks: its keys, their types, the priority range and the values
of scope, language and status. Editors that validate YAML frontmatter against a schema
(yaml-language-server, for one) then give the same checks as you type.

Formats: %s.`, strings.Join(schemaFormats(), ", ")),
		Example: `  airules schema > .vscode/airules.schema.json
  airules schema --format cursor
  airules schema --format copilot | jq '.properties | keys'`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runSchema(o, a.stdout, a.stderr)
			return nil
		},
	}
	c.Flags().StringVar(&o.format, "format", string(rules.FormatAirules), "rule format `NAME`: "+strings.Join(schemaFormats(), ", "))
	_ = c.RegisterFlagCompletionFunc("format", fixedCompletion(schemaFormats()...))
	return c
}

func newServeCmd(a *app) *cobra.Command {
	var o serveOptions
	c := &cobra.Command{
		Use:   "serve [--stdio] [--listen ADDR] [--log-file FILE] [--log-level LEVEL]",
		Short: "run the language server on stdio",
		Long: `Run the airules language server. Editors start it and speak LSP over standard input and
output; logs go to standard error (or --log-file), never to standard output. Besides
hover, diagnostics, completion and code actions on rule files, it answers the custom
requests airules/context (the rules of a file, cut to a token budget) and airules/rules,
and sends airules/indexChanged after every change of the index.

With --listen, it accepts a single TCP connection on ADDR (e.g. 127.0.0.1:7777), serves
it, and exits: for attaching a debugging client by hand.`,
		Example: `  airules serve --stdio
  airules serve --log-file /tmp/airules.log --log-level debug
  airules serve --listen 127.0.0.1:7777`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			return nil
		},
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runServe(o, a.stdin, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.listen, "listen", "", "serve one TCP connection on `ADDR` (host:port) instead of stdio, for debugging")
	f.StringVar(&o.logFile, "log-file", "", "write logs to `FILE` instead of standard error")
	f.StringVar(&o.logLevel, "log-level", "info", "log `LEVEL`: debug, info, warn or error")
	// The LSP convention that clients follow (vscode-languageclient appends --stdio;
	// several pass --clientProcessId): stdio is the default transport, so both are
	// accepted and change nothing.
	f.Bool("stdio", false, "speak LSP over standard input and output (the default; accepted for clients that pass it)")
	f.Int("clientProcessId", 0, "the client's process `ID` (accepted for clients that pass it; unused)")
	_ = c.RegisterFlagCompletionFunc("log-level", fixedCompletion("debug", "info", "warn", "error"))
	return c
}

func newMCPCmd(a *app) *cobra.Command {
	var o mcpOptions
	c := &cobra.Command{
		Use:   "mcp [--root DIR] [--rules-dir DIR] [--no-cache] [--log-level LEVEL]",
		Short: "serve the rules to AI assistants over the Model Context Protocol on stdio",
		Long: `Serve the workspace's rules over the Model Context Protocol on standard input and output,
for assistants that speak MCP (Claude Code, Codex, Copilot agent mode, Cursor, ...). Tools:
rules_for_file (the rules of a file, cut to a token budget, as airules/context and
'airules context --json' give them), get_rule, list_rules and lint_rules; every rule is a
resource airules://rule/<id>; the prompt rules-context renders a file's rules. The rule
files are watched: a change reaches the next call and sends resources/list_changed.

The workspace is --root, else the nearest folder above the working directory with
.ai-rules or .git. Logs go to standard error only.`,
		Example: `  airules mcp
  airules mcp --root ~/src/project --log-level debug
  claude mcp add --transport stdio --scope project airules -- airules mcp`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 {
				return fmt.Errorf("unexpected arguments %q", args)
			}
			return nil
		},
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runMCP(o, a.stdin, a.stdout, a.stderr)
			return nil
		},
	}
	f := c.Flags()
	addWorkspaceFlags(f, &o.workspace)
	f.StringVar(&o.logLevel, "log-level", "info", "log `LEVEL` on standard error: debug, info, warn or error")
	_ = c.RegisterFlagCompletionFunc("log-level", fixedCompletion("debug", "info", "warn", "error"))
	completeRulesDir(c)
	return c
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version and the revision it was built from",
		Long: `Print the version of airules, the VCS revision it was built from (and whether the tree
had uncommitted changes), and the Go toolchain and platform. A binary built with go build
or go install in a clone names its commit; go run does not stamp one.`,
		Example: `  airules version
  airules --version`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			a.code = runVersion(a.stdout)
			return nil
		},
	}
}

func newCompletionCmd(a *app, root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "print a shell completion script",
		Long: `Print the completion script of a shell: commands, flags, and the values of --format,
--language and --log-level. Load it in the shell's startup file, or install it where the
shell looks for completions.`,
		Example: `  airules completion zsh > "${fpath[1]}/_airules"            # then restart zsh
  source <(airules completion bash)                          # in ~/.bashrc
  airules completion fish > ~/.config/fish/completions/airules.fish
  airules completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(_ *cobra.Command, args []string) error {
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(a.stdout, true)
			case "zsh":
				err = root.GenZshCompletion(a.stdout)
			case "fish":
				err = root.GenFishCompletion(a.stdout, true)
			case "powershell":
				err = root.GenPowerShellCompletionWithDesc(a.stdout)
			}
			if err != nil {
				fmt.Fprintf(a.stderr, "airules completion: %v\n", err)
				a.code = 1
			}
			return nil
		},
	}
}

// noArgs refuses arguments, naming them.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("%s takes no arguments, got %q", cmd.Name(), args)
	}
	return nil
}

// fixedCompletion completes a flag's value from a fixed list.
func fixedCompletion(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeRulesDir completes --root and --rules-dir with folders.
func completeRulesDir(c *cobra.Command) {
	for _, name := range []string{"root", "rules-dir"} {
		if c.Flags().Lookup(name) != nil {
			_ = c.MarkFlagDirname(name)
		}
	}
}
