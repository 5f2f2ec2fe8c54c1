package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/server/wire"
)

// TestContextMaxOmitted: `airules context --json` lists the first 50 omitted rules
// by default and counts the rest in moreOmitted, --max-omitted N lists N and -1 all;
// --explain lists the same entries one a line and says how many more there are.
func TestContextMaxOmitted(t *testing.T) {
	const n = 80
	ws := t.TempDir()
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf(".ai-rules/00-global/r%02d.md", i)] = fmt.Sprintf("---\ndescription: Rule %d\npriority: %d\nalwaysApply: true\n---\n- Rule %d says one thing.\n", i, 100-i, i)
	}
	writeFiles(t, ws, files)
	file := filepath.Join(ws, "main.go")
	jsonOf := func(args ...string) wire.ContextResult {
		t.Helper()
		code, out, errs := runCLI(t, append([]string{"context", "--root", ws, "--max-tokens", "150", "--json", file}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var res wire.ContextResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `"moreOmitted":`) {
			t.Errorf("%v: no moreOmitted in the JSON", args)
		}
		return res
	}
	all := jsonOf("--max-omitted", "-1")
	total := len(all.Omitted)
	if total <= wire.DefaultMaxOmitted || all.MoreOmitted != 0 || len(all.Rules)+total != n {
		t.Fatalf("--max-omitted -1: %d rules, %d omitted, %d more", len(all.Rules), total, all.MoreOmitted)
	}
	for _, tt := range []struct {
		args   []string
		listed int
	}{
		{nil, wire.DefaultMaxOmitted},
		{[]string{"--max-omitted", "0"}, wire.DefaultMaxOmitted},
		{[]string{"--max-omitted", "4"}, 4},
		{[]string{"--max-omitted", "1000"}, total},
		{[]string{"--max-omitted=-1"}, total},
	} {
		t.Run(strings.Join(append([]string{"args"}, tt.args...), " "), func(t *testing.T) {
			res := jsonOf(tt.args...)
			if len(res.Omitted) != tt.listed || res.MoreOmitted != total-tt.listed || !slices.Equal(res.Omitted, all.Omitted[:tt.listed]) {
				t.Errorf("--json: %d listed, %d more; want the first %d of %d", len(res.Omitted), res.MoreOmitted, tt.listed, total)
			}

			code, out, errs := runCLI(t, append([]string{"context", "--root", ws, "--max-tokens", "150", "--explain", file}, tt.args...)...)
			if code != 0 {
				t.Fatalf("--explain: exit %d: %s", code, errs)
			}
			head := out[:strings.Index(out, "\n# AI rules")]
			if !strings.Contains(head, fmt.Sprintf("\n%d rules omitted:\n", total)) {
				t.Errorf("--explain does not count the omitted rules:\n%s", head)
			}
			for i, o := range all.Omitted {
				line := fmt.Sprintf("\n  %s (budget, %d tokens)\n", o.ID, o.Tokens)
				if strings.Contains(head, line) != (i < tt.listed) {
					t.Errorf("--explain: %s listed %v, want %v", o.ID, !(i < tt.listed), i < tt.listed)
				}
			}
			more := fmt.Sprintf("  … and %d more omitted (--max-omitted -1 lists all)\n", total-tt.listed)
			if strings.Contains(head, "more omitted") != (tt.listed < total) || (tt.listed < total && !strings.Contains(head, more)) {
				t.Errorf("--explain: want %q only when some are left out:\n%s", more, head)
			}
		})
	}
}
