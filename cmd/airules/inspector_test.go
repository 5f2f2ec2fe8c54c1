package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/airules/airules/server/wire"
)

// TestMCPInspector drives the built binary with the official MCP inspector's CLI mode
// (an independent client, in TypeScript): it lists the four tools and calls
// rules_for_file, which answers as `airules context --json` does. The inspector is
// MCP_INSPECTOR or mcp-inspector on PATH (.ci/run installs it); without it the test
// skips locally and fails in CI.
func TestMCPInspector(t *testing.T) {
	inspector := os.Getenv("MCP_INSPECTOR")
	if inspector == "" {
		var err error
		if inspector, err = exec.LookPath("mcp-inspector"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("mcp-inspector is not installed (npm install -g @modelcontextprotocol/inspector)")
			}
			t.Skip("mcp-inspector not installed")
		}
	}
	bin := filepath.Join(t.TempDir(), "airules")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	isolate(t)
	root := copyTree(t, example)
	inspect := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(inspector, append([]string{"--cli", bin, "mcp", "--no-cache", "--log-level", "warn"}, args...)...)
		cmd.Dir = root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("inspector %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}

	var list struct {
		Tools []struct {
			Name         string         `json:"name"`
			OutputSchema map[string]any `json:"outputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(inspect("--method", "tools/list"), &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.OutputSchema == nil {
			t.Errorf("%s: no output schema", tool.Name)
		}
	}
	slices.Sort(names)
	if want := []string{"get_rule", "lint_rules", "list_rules", "rules_for_file"}; !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}

	const rel = "lib/app_web/live/page_live.ex"
	var call struct {
		IsError           bool               `json:"isError"`
		StructuredContent wire.ContextResult `json:"structuredContent"`
	}
	if err := json.Unmarshal(inspect("--method", "tools/call", "--tool-name", "rules_for_file", "--tool-arg", "path="+rel), &call); err != nil {
		t.Fatal(err)
	}
	want := cliContext(t, root, filepath.Join(root, rel))
	got := call.StructuredContent
	if call.IsError || len(got.Rules) == 0 || !slices.Equal(ruleIDs(got), ruleIDs(want)) || got.Prompt != want.Prompt {
		t.Errorf("rules_for_file through the inspector: error %v, rules %v, want %v (prompts equal %v)",
			call.IsError, ruleIDs(got), ruleIDs(want), got.Prompt == want.Prompt)
	}
}
