package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/airules/airules/index"
)

// cmdHistory prints the index's event log: which rules were created, updated, deleted or
// found invalid, when, and by what (startup, watch, didSave, cli).
func cmdHistory(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	root := fs.String("root", "", "workspace `folder` (default: the nearest folder above with .ai-rules or .git)")
	asJSON := fs.Bool("json", false, "print a JSON array of events")
	limit := fs.Int("limit", 50, "print at most `N` events, newest first; 0 prints all")
	fs.Usage = usageFor(fs, "history [--root DIR] [--json] [--limit N] [RULE-ID]", `
Print the event log of the workspace's index, newest first: one line per event with its
sequence number, time (UTC), type (created, updated, deleted, invalid), rule id, layer
and version. Give a RULE-ID (like 10-languages/elixir/otp-patterns) to see one rule's
history only.

The log lives in the index cache (never in the workspace) and is bounded; opening it
first brings the index up to date, so changes made since the last run are logged with
the cause "cli".`)
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "airules history: one RULE-ID at most, got %d arguments\n", fs.NArg())
		fs.Usage()
		return 2
	}
	if *limit < 0 {
		fmt.Fprintf(stderr, "airules history: --limit must be 0 or more, got %d\n", *limit)
		return 2
	}
	wf := workspaceFlags{root: *root, rulesDir: ".ai-rules"}
	dir, err := wf.resolveRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 2
	}
	ix, err := index.Open(context.Background(), index.Options{
		Root: dir, UserRulesDir: userRulesDir(), DBPath: "", Cause: "cli", Logger: cliLogger(stderr),
	})
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 1
	}
	defer ix.Close()
	events, err := ix.History(fs.Arg(0), *limit)
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 1
	}
	if *asJSON {
		if events == nil {
			events = []index.Event{} // [] rather than null
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(events); err != nil {
			fmt.Fprintf(stderr, "airules history: %v\n", err)
			return 1
		}
		return 0
	}
	if len(events) == 0 {
		if fs.Arg(0) != "" {
			fmt.Fprintf(stderr, "airules history: no events for %q\n", fs.Arg(0))
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tTYPE\tRULE\tLAYER\tVERSION")
	for _, e := range events {
		version := e.Version
		if version == "" {
			version = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.Time.UTC().Format(time.RFC3339), e.Type, e.RuleID, e.Layer, version)
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 1
	}
	return 0
}
