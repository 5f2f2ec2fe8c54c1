package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

// rulesOptions are the parsed flags of `airules rules`.
type rulesOptions struct {
	ws    workspaceFlags
	json  bool
	stats bool
}

func runRules(o rulesOptions, stdout, stderr io.Writer) int {
	root, err := o.ws.resolveRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "airules rules: %v\n", err)
		return 2
	}
	ws, err := openWorkspace(root, &o.ws, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airules rules: %v\n", err)
		return 1
	}
	defer ws.close()
	if o.stats {
		m := ws.ix.Metrics()
		if o.json {
			writeJSON(stdout, m)
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "rules\t%d\nfiles\t%d\ngeneration\t%d\nparses\t%d\nwarm-start skips\t%d\n", m.Rules, m.Files, m.Generation, m.Parses, m.WarmStartSkips)
		fmt.Fprintf(tw, "reindexes\t%d\nlast reindex\t%s\ncache hits\t%d\ncache misses\t%d\n", m.Reindexes, m.LastReindex, m.CacheHits, m.CacheMisses)
		db := m.DBPath
		if m.InMemory {
			db += " (in memory)"
		}
		fmt.Fprintf(tw, "database\t%s\n", db)
		tw.Flush()
		return 0
	}
	res := wire.NewRulesResult(ws.set, ws.generation, func(r *rules.Rule) int { return len(ws.problems[r.Path]) })
	res.Team = teamLine(ws.ix) // team.go
	if o.json {
		writeJSON(stdout, res)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLAYER\tPRIORITY\tSTATUS\tPROBLEMS\tDESCRIPTION")
	for _, r := range res.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%s\n", r.ID, r.Layer, r.Priority, r.Status, r.Problems, r.Description)
	}
	tw.Flush()
	if res.Team != "" {
		fmt.Fprintln(stdout, res.Team)
	}
	return 0
}
