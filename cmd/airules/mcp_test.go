package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// copyTree copies a workspace into a temp folder, so tests may edit it and so its
// cache entry is their own.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// isolate gives the test its own cache and config folders (no user rules).
func isolate(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// structured decodes a tool result's structured content, failing on a tool error.
func structured(t *testing.T, res *sdk.CallToolResult, out any) {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool error: %+v", res.Content)
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}

func resultText(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// cliContext runs `airules context --json` in-process, with more flags if given.
func cliContext(t *testing.T, root, file string, flags ...string) wire.ContextResult {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"context", "--root", root, "--json", file}, flags...), strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("airules context %s: exit %d: %s", file, code, errb.String())
	}
	var res wire.ContextResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestMCPHelpAndBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"mcp", "--help"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "rules_for_file") {
		t.Errorf("--help: code %d, output %q", code, out.String())
	}
	for _, args := range [][]string{{"mcp", "--log-level", "loud"}, {"mcp", "extra"}, {"mcp", "--root", "/does/not/exist"}} {
		errb.Reset()
		if code := run(args, strings.NewReader(""), &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: code %d, stderr %q", args, code, errb.String())
		}
	}
	out.Reset()
	run([]string{"help"}, nil, &out, &errb)
	if !strings.Contains(out.String(), "mcp ") {
		t.Errorf("usage does not list mcp:\n%s", out.String())
	}
}

// TestMCPInProcess runs the command's function on pipes: the session ends with exit
// code 0 when the client closes it, and nothing but protocol reaches stdout.
func TestMCPInProcess(t *testing.T) {
	isolate(t)
	root := copyTree(t, example)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runMCP(mcpOptions{workspace: workspaceFlags{root: root, rulesDir: ".ai-rules"}, logLevel: "info"}, inR, outW, &stderr)
		outW.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "rules_for_file", Arguments: map[string]any{"path": "lib/app_web/live/page_live.ex"}})
	if err != nil {
		t.Fatal(err)
	}
	var got wire.ContextResult
	structured(t, res, &got)
	if len(got.Rules) != 4 {
		t.Errorf("%d rules", len(got.Rules))
	}
	_ = cs.Close()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d; stderr:\n%s", code, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("airules mcp did not end with the session")
	}
	if !strings.Contains(stderr.String(), "airules mcp") {
		t.Errorf("no startup line on stderr:\n%s", stderr.String())
	}
}

// TestMCPBinary runs the built binary as an MCP server through the SDK's command
// transport, in the example workspace: the four tools, the same rules in the same
// order as `airules context --json`, an offered rule fetched by id, a path outside
// the root refused.
func TestMCPBinary(t *testing.T) {
	// Built before isolate: the go build cache lives in the user cache folder too.
	bin := filepath.Join(t.TempDir(), "airules")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	isolate(t)
	root := copyTree(t, example)
	cmd := exec.Command(bin, "mcp", "--log-level", "warn")
	cmd.Dir = filepath.Join(root, "lib") // finds the root above, as an assistant starting it in a subfolder
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v; stderr:\n%s", err, stderr.String())
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if want := []string{"get_rule", "lint_rules", "list_rules", "rules_for_file"}; !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}

	file := filepath.Join(root, "lib/app_web/live/page_live.ex")
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "rules_for_file", Arguments: map[string]any{"path": file}})
	if err != nil {
		t.Fatal(err)
	}
	var got wire.ContextResult
	structured(t, res, &got)
	want := cliContext(t, root, file)
	if !slices.Equal(ruleIDs(got), ruleIDs(want)) || got.Prompt != want.Prompt || len(got.Rules) == 0 {
		t.Errorf("rules_for_file %v, airules context --json %v (prompts equal: %v)", ruleIDs(got), ruleIDs(want), got.Prompt == want.Prompt)
	}

	if len(got.Available) == 0 {
		t.Fatal("nothing available to fetch")
	}
	res, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "get_rule", Arguments: map[string]any{"id": got.Available[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	var rule wire.Rule
	structured(t, res, &rule)
	if rule.ID != got.Available[0].ID || rule.Content == "" {
		t.Errorf("get_rule %+v", rule)
	}

	res, err = cs.CallTool(ctx, &sdk.CallToolParams{Name: "rules_for_file", Arguments: map[string]any{"path": "/etc/passwd"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(resultText(res), "outside the workspace") {
		t.Errorf("outside the root: error %v %q", res.IsError, resultText(res))
	}

	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("exit %v; stderr:\n%s", cmd.ProcessState, stderr.String())
	}
}

func ruleIDs(res wire.ContextResult) []string {
	out := []string{}
	for _, r := range res.Rules {
		out = append(out, r.ID)
	}
	return out
}
