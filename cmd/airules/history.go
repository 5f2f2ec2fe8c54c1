package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/airules/airules/index"
)

// historyOptions are the parsed flags and argument of `airules history`.
type historyOptions struct {
	ws     workspaceFlags
	json   bool
	limit  int
	ruleID string
}

// runHistory prints the index's event log: which rules were created, updated, deleted or
// found invalid, when, and by what (startup, watch, didSave, cli).
func runHistory(o historyOptions, stdout, stderr io.Writer) int {
	if o.limit < 0 {
		fmt.Fprintf(stderr, "airules history: --limit must be 0 or more, got %d\n", o.limit)
		return 2
	}
	dir, err := o.ws.resolveRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 2
	}
	ws, err := openWorkspace(dir, &o.ws, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 1
	}
	defer ws.close()
	events, err := ws.ix.History(o.ruleID, o.limit)
	if err != nil {
		fmt.Fprintf(stderr, "airules history: %v\n", err)
		return 1
	}
	if o.json {
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
		if o.ruleID != "" {
			fmt.Fprintf(stderr, "airules history: no events for %q\n", o.ruleID)
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
