package server

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/server/wire"
)

// manyRulesWorkspace is a workspace of n always-applying rules, r000 the most
// important (priority 100) down to r<n-1>: in a small budget the first few apply and
// the rest are omitted for the budget, in that order.
func manyRulesWorkspace(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	for i := range n {
		writeFile(t, filepath.Join(root, ".ai-rules", "00-global", fmt.Sprintf("r%03d.md", i)),
			fmt.Sprintf("---\ndescription: Rule %d of many\npriority: %d\nalwaysApply: true\n---\n- Rule %d says one thing.\n", i, 100-i, i))
	}
	writeFile(t, filepath.Join(root, "main.go"), "package main\n")
	return root
}

// TestContextOmittedIsBounded: through the real server over a pipe, airules/context
// lists the first 50 omitted rules by default and counts the rest in moreOmitted;
// maxOmitted -1 lists every one, in importance order; a positive maxOmitted lists
// that many; moreOmitted is in every answer, 0 when the list is complete. The hover
// of the file names the same first 50 and counts the rest.
func TestContextOmittedIsBounded(t *testing.T) {
	const n = 90
	root := manyRulesWorkspace(t, n)
	// The client's budget: the hover's too.
	e := start(t, root, sessionOptions{initOptions: map[string]any{"maxTokens": 200}})
	e.waitReady()
	uri := e.uri("main.go")

	all, err := e.context(uri, map[string]any{"maxOmitted": -1})
	if err != nil {
		t.Fatal(err)
	}
	applied := len(all.Rules)
	if applied == 0 || applied+len(all.Omitted) != n || all.MoreOmitted != 0 {
		t.Fatalf("maxOmitted -1: %d applied, %d omitted, %d more; want %d in all, none more", applied, len(all.Omitted), all.MoreOmitted, n)
	}
	// Independently of the cut: the omitted ones are the rules after the applied
	// ones, most important first.
	for i, o := range all.Omitted {
		if want := fmt.Sprintf("00-global/r%03d", applied+i); o.ID != want || o.Reason != "budget" {
			t.Fatalf("omitted[%d] = %s (%s), want %s (budget)", i, o.ID, o.Reason, want)
		}
	}
	if n-applied <= wire.DefaultMaxOmitted {
		t.Fatalf("only %d omitted: the default bound is not exercised", n-applied)
	}

	for _, tt := range []struct {
		name   string
		params map[string]any
		listed int
	}{
		{"default", nil, wire.DefaultMaxOmitted},
		{"maxOmitted 0 is the default", map[string]any{"maxOmitted": 0}, wire.DefaultMaxOmitted},
		{"maxOmitted 7", map[string]any{"maxOmitted": 7}, 7},
		{"maxOmitted above the count", map[string]any{"maxOmitted": 1000}, n - applied},
		{"maxOmitted -1", map[string]any{"maxOmitted": -1}, n - applied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			params := map[string]any{"textDocument": map[string]any{"uri": uri}}
			for k, v := range tt.params {
				params[k] = v
			}
			var raw json.RawMessage
			if err := e.call("airules/context", params, &raw); err != nil {
				t.Fatal(err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				t.Fatal(err)
			}
			if _, ok := fields["moreOmitted"]; !ok {
				t.Errorf("no moreOmitted in the answer: %.300s", raw)
			}
			var res wire.ContextResult
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Omitted) != tt.listed || res.MoreOmitted != n-applied-tt.listed {
				t.Errorf("%d omitted listed, %d more; want %d and %d", len(res.Omitted), res.MoreOmitted, tt.listed, n-applied-tt.listed)
			}
			for i, o := range res.Omitted {
				if o != all.Omitted[i] {
					t.Errorf("omitted[%d] = %+v, want %+v", i, o, all.Omitted[i])
				}
			}
			if res.Prompt != all.Prompt || len(res.Rules) != applied {
				t.Errorf("the cut changed the prompt or the rules")
			}
		})
	}

	h := e.hover(uri, 0, 0)
	if want := fmt.Sprintf("… and %d more omitted", n-applied-wire.DefaultMaxOmitted); !strings.Contains(h, want) {
		t.Errorf("hover lacks %q:\n%s", want, h)
	}
}
