package server

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"

	"github.com/airules/airules/rules"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

const liveview = "lib/app_web/live/page_live.ex"

func TestInitializeAndLifecycle(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{noInit: true})
	// Before initialize: requests are refused with ServerNotInitialized.
	err := e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": e.uri(liveview)}, "position": map[string]any{"line": 0, "character": 0}}, nil)
	if rpcCode(err) != jsonrpc2.ServerNotInitialized {
		t.Fatalf("hover before initialize: %v (code %d)", err, rpcCode(err))
	}
	var res map[string]any
	params := map[string]any{
		"rootUri":               wire.FileURI(root),
		"capabilities":          defaultCaps(),
		"initializationOptions": map[string]any{"airules": map[string]any{"maxTokens": 1234, "hover": false}},
		"workspaceFolders":      nil,
		"trace":                 map[string]any{"weird": true}, // a wrong type: ignored
	}
	if err := e.call("initialize", params, &res); err != nil {
		t.Fatalf("lenient initialize failed: %v", err)
	}
	caps := res["capabilities"].(map[string]any)
	for _, k := range []string{"hoverProvider", "completionProvider", "codeActionProvider", "documentSymbolProvider", "codeLensProvider", "textDocumentSync"} {
		if caps[k] == nil {
			t.Errorf("capability %s missing in %v", k, caps)
		}
	}
	if info := res["serverInfo"].(map[string]any); info["version"] != Version {
		t.Errorf("serverInfo = %v", info)
	}
	if err := e.call("initialize", params, nil); rpcCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("second initialize: %v", err)
	}
	e.notify("initialized", map[string]any{})
	e.waitReady()
	ctx, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.MaxTokens != 1234 {
		t.Errorf("maxTokens from initializationOptions.airules: got %d", ctx.MaxTokens)
	}
	if h := e.hover(e.uri(liveview), 0, 0); h != "" {
		t.Errorf("hover: false still hovers: %q", h)
	}
	// An unknown method without params is method-not-found, not a parse error.
	if err := e.call("airules/nope", nil, nil); rpcCode(err) != jsonrpc2.MethodNotFound {
		t.Errorf("unknown method: %v (code %d)", err, rpcCode(err))
	}
	if r := e.exit(true); r.code != 0 || r.err != nil {
		t.Errorf("exit after shutdown = %+v, want code 0", r)
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{})
	if r := e.exit(false); r.code != 1 {
		t.Errorf("exit without shutdown = %+v, want code 1", r)
	}
}

func TestRequestsAfterShutdownRefused(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{})
	if err := e.call("shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.context(e.uri(liveview), nil); rpcCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("request after shutdown: %v", err)
	}
	if r := e.exit(false); r.code != 0 {
		t.Errorf("exit after shutdown = %+v", r)
	}
}

func TestProgressAndStartupDiagnostics(t *testing.T) {
	root := copyExample(t)
	bad := filepath.Join(root, ".ai-rules", "30-contexts", "bad.md")
	writeFile(t, bad, "---\ndescription: A rule with a bad priority\npriority: high\n---\nBody.\n")
	e := start(t, root, sessionOptions{})
	uri := wire.FileURI(bad)
	// Published at startup, although nobody opened the file.
	ds := e.waitDiagnostics(uri, "AIR004 at startup", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR004") != nil })
	d := hasCode(ds, "AIR004")
	if d.Range.Start.Line != 2 || d.Source != "airules" || d.CodeDescription == nil || d.CodeDescription.Href != problemCodesURL {
		t.Errorf("AIR004 = %+v", d)
	}
	if d.Severity != protocol.DiagnosticSeverityError {
		t.Errorf("severity %v", d.Severity)
	}

	e.rec.waitFor(t, 10*time.Second, "progress begin, report, end", func() bool {
		var kinds []string
		for _, p := range e.rec.progress {
			kinds = append(kinds, p["kind"].(string))
		}
		return e.rec.creates == 1 && slices.Equal(kinds, []string{"begin", "report", "end"})
	})
	e.rec.mu.Lock()
	report := e.rec.progress[1]["message"].(string)
	e.rec.mu.Unlock()
	if want := fmt.Sprintf("%d rules", ruleCount(t, root)); !strings.Contains(report, want) {
		t.Errorf("progress report %q lacks the rule count", report)
	}
	// Deleting the file clears its diagnostics (the server's watcher sees it).
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	e.waitDiagnostics(uri, "diagnostics cleared when the file is deleted", func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
}

// sourceOf says how DESIGN.md reads a workspace file as a rule, independently of
// package index: native rules, Cursor, Copilot, AGENTS.md and CLAUDE.md.
func sourceOf(root, p string) (rules.Source, bool) {
	rel, _ := filepath.Rel(root, p)
	rel = filepath.ToSlash(rel)
	src := rules.Source{Path: p, Layer: rules.LayerProject}
	switch {
	case strings.HasPrefix(rel, ".ai-rules/") && strings.HasSuffix(rel, ".md"):
		src.ID, src.Format = strings.TrimSuffix(strings.TrimPrefix(rel, ".ai-rules/"), ".md"), rules.FormatAirules
	case strings.HasPrefix(rel, ".cursor/rules/") && strings.HasSuffix(rel, ".mdc"):
		src.ID, src.Format = "cursor/"+strings.TrimSuffix(strings.TrimPrefix(rel, ".cursor/rules/"), ".mdc"), rules.FormatCursor
	case strings.HasPrefix(rel, ".github/instructions/") && strings.HasSuffix(rel, ".instructions.md"):
		src.ID, src.Format = "copilot/"+strings.TrimSuffix(strings.TrimPrefix(rel, ".github/instructions/"), ".instructions.md"), rules.FormatCopilot
	case filepath.Base(p) == "AGENTS.md" || filepath.Base(p) == "CLAUDE.md":
		src.Format, src.ID = rules.FormatAgents, "agents"
		if filepath.Base(p) == "CLAUDE.md" {
			src.Format, src.ID = rules.FormatClaude, "claude"
		}
		if dir := filepath.ToSlash(filepath.Dir(rel)); dir != "." {
			src.Dir, src.ID = dir, src.ID+"/"+dir
		}
	default:
		return src, false
	}
	return src, true
}

// expectedContext computes airules/context independently, from package rules alone.
func expectedContext(t *testing.T, root, rel, lang string, maxTokens int, gen uint64) wire.ContextResult {
	t.Helper()
	var all []*rules.Rule
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		src, ok := sourceOf(root, p)
		if !ok {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		all = append(all, rules.Parse(src, data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet(all, rules.SetOptions{})
	c := rules.Budget(set.Select(rel, lang), maxTokens)
	return wire.NewContextResult(c, wire.FileURI(filepath.Join(root, filepath.FromSlash(rel))), gen, wire.Shape{})
}

// ruleCount is how many rule files the example workspace holds.
func ruleCount(t *testing.T, root string) int {
	n := 0
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if _, ok := sourceOf(root, p); ok {
				n++
			}
		}
		return nil
	})
	return n
}

func TestContextMatchesRules(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	for _, tc := range []struct {
		rel, lang string
		max       int
	}{
		{liveview, "", 0},
		{liveview, "elixir", 60},
		{"test/app_web/live/page_live_test.exs", "", 0},
		{"lib/app_web/controllers/fallback_controller.ex", "", 0},
		{"lib/app_web/controllers/api/user_controller.ex", "", 0},
		{"assets/js/app.js", "", 0},
		{"priv/repo/migrations/20260101000000_create_users.exs", "", 0},
		{"does/not/exist.ex", "", 0},
	} {
		extra := map[string]any{}
		if tc.lang != "" {
			extra["languageId"] = tc.lang
		}
		if tc.max > 0 {
			extra["maxTokens"] = tc.max
		}
		got, err := e.context(e.uri(tc.rel), extra)
		if err != nil {
			t.Fatalf("%s: %v", tc.rel, err)
		}
		max := tc.max
		if max == 0 {
			max = rules.DefaultMaxTokens
		}
		want := expectedContext(t, root, tc.rel, tc.lang, max, got.Generation)
		if g, w := mustJSON(got), mustJSON(want); g != w {
			t.Errorf("%s: airules/context differs from rules.Budget(Select):\n got %s\nwant %s", tc.rel, g, w)
		}
		if got.Tokens > got.MaxTokens {
			t.Errorf("%s: tokens %d > maxTokens %d", tc.rel, got.Tokens, got.MaxTokens)
		}
		if got.Generation == 0 {
			t.Errorf("%s: generation 0", tc.rel)
		}
	}
	// The small budget really omitted something.
	small, _ := e.context(e.uri(liveview), map[string]any{"maxTokens": 60})
	if !slices.ContainsFunc(small.Omitted, func(o wire.OmittedRule) bool { return o.Reason == "budget" }) {
		t.Errorf("maxTokens 60 omitted nothing for budget: %+v", small.Omitted)
	}
	// languageId comes from the open document when the params have none.
	uri := e.open("lib/app/thing.txt", "elixir", "defmodule Thing do\nend\n")
	got, err := e.context(uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.LanguageID != "elixir" || !slices.ContainsFunc(got.Rules, func(r wire.ContextRule) bool { return r.ID == "10-languages/elixir/otp-patterns" }) {
		t.Errorf("languageId of the open document not used: %s %+v", got.LanguageID, got.Rules)
	}
}

func TestContextRefusals(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	outside := wire.FileURI(filepath.Join(t.TempDir(), "secret.ex"))
	_, err := e.context(outside, nil)
	if rpcCode(err) != jsonrpc2.InvalidParams || !strings.Contains(err.Error(), "outside every workspace folder") {
		t.Errorf("outside the workspace: %v (code %d)", err, rpcCode(err))
	}
	for name, params := range map[string]any{
		"not an object":   []int{1, 2},
		"uri not string":  map[string]any{"textDocument": map[string]any{"uri": 5}},
		"no uri":          map[string]any{"textDocument": map[string]any{}},
		"negative budget": map[string]any{"textDocument": map[string]any{"uri": e.uri(liveview)}, "maxTokens": -5},
		"bad uri":         map[string]any{"textDocument": map[string]any{"uri": "file://%zz"}},
	} {
		if err := e.call("airules/context", params, nil); rpcCode(err) != jsonrpc2.InvalidParams {
			t.Errorf("%s: %v (code %d)", name, err, rpcCode(err))
		}
	}
	if err := e.call("airules/context", nil, nil); rpcCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("null params: %v", err)
	}
}

func TestUntitledAndOtherSchemes(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{})
	e.waitReady()
	for _, uri := range []string{"untitled:Untitled-1", "git:/x/y.ex?%7B%7D", "vscode-notebook-cell:/a.ipynb#x"} {
		e.openURI(uri, "elixir", "defmodule X do\nend\n")
		e.change(uri, 2, "---\npriority: high\n---\n")
		if h := e.hover(uri, 0, 1); h != "" {
			t.Errorf("%s: hover %q", uri, h)
		}
		ctx, err := e.context(uri, nil)
		if err != nil {
			t.Fatalf("%s: context: %v", uri, err)
		}
		if len(ctx.Rules) != 0 || ctx.Prompt != "" || ctx.LanguageID != "elixir" {
			t.Errorf("%s: context %+v", uri, ctx)
		}
		var lenses []protocol.CodeLens
		if err := e.call("textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": uri}}, &lenses); err != nil || len(lenses) != 0 {
			t.Errorf("%s: code lens %v %v", uri, lenses, err)
		}
		var list protocol.CompletionList
		if err := e.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": 1, "character": 0}}, &list); err != nil {
			t.Errorf("%s: completion %v", uri, err)
		}
		e.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	}
	// Still alive.
	if _, err := e.context(e.uri(liveview), nil); err != nil {
		t.Fatal(err)
	}
}

func TestUnsavedRuleEditChangesContextAndHover(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	rulePath := filepath.Join(root, ".ai-rules", "20-frameworks", "phoenix", "liveview.md")
	data, _ := os.ReadFile(rulePath)
	uri := wire.FileURI(rulePath)
	e.openURI(uri, "markdown", string(data))
	before, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "Phoenix LiveView component standards", "Edited in the buffer only", 1)
	edited = strings.Replace(edited, "- Assign everything", "- UNSAVED LINE\n- Assign everything", 1)
	e.change(uri, 2, edited)
	after, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Generation <= before.Generation {
		t.Errorf("generation did not grow: %d → %d", before.Generation, after.Generation)
	}
	if !strings.Contains(after.Prompt, "UNSAVED LINE") || !strings.Contains(after.Prompt, "Edited in the buffer only") {
		t.Errorf("the unsaved edit is not in the prompt:\n%s", after.Prompt)
	}
	if h := e.hover(e.uri(liveview), 0, 0); !strings.Contains(h, "Edited in the buffer only") {
		t.Errorf("hover does not show the unsaved description:\n%s", h)
	}
	// The disk is untouched, and closing the buffer brings its version back.
	if disk, _ := os.ReadFile(rulePath); string(disk) != string(data) {
		t.Fatal("the server wrote to the rule file")
	}
	e.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	back, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(back.Prompt, "UNSAVED LINE") {
		t.Errorf("closed buffer still overrides the disk")
	}
}

func TestDiagnosticsOnEditAndClear(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	// A buffer-only rule file: nothing is on disk.
	uri := e.open(".ai-rules/30-contexts/new.md", "markdown", "---\ndescription: New rule\npriority: high\n---\nBody.\n")
	ds := e.waitDiagnostics(uri, "AIR004 on the open buffer", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR004") != nil })
	if d := hasCode(ds, "AIR004"); d.Range.Start.Line != 2 {
		t.Errorf("AIR004 at line %d, want 2", d.Range.Start.Line)
	}
	e.change(uri, 2, "---\ndescription: New rule\npriority: 5\n---\nBody.\n")
	e.waitDiagnostics(uri, "diagnostics cleared after the fix", func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
	e.change(uri, 3, "---\ndescripton: New rule\n---\nBody.\n")
	e.waitDiagnostics(uri, "AIR003 after a typo", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR003") != nil })
	e.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	e.waitDiagnostics(uri, "diagnostics cleared when the buffer-only file closes", func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
}

func TestIncrementalSyncUTF16(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	text := "---\ndescription: Emoji 😀 rule\npriority: 5\n---\nBody.\n"
	uri := e.open(".ai-rules/30-contexts/emoji.md", "markdown", text)
	// Replace "5" on line 2 with "high" by range, then insert text after the emoji
	// (the emoji is two UTF-16 code units: column 16 is just after it).
	e.notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": uri, "version": 2},
		"contentChanges": []map[string]any{
			{"range": map[string]any{"start": map[string]any{"line": 2, "character": 10}, "end": map[string]any{"line": 2, "character": 11}}, "text": "high"},
			{"range": map[string]any{"start": map[string]any{"line": 1, "character": 22}, "end": map[string]any{"line": 1, "character": 22}}, "text": "!"},
		},
	})
	e.waitDiagnostics(uri, "AIR004 after an incremental edit", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR004") != nil })
	d := e.doc(uri)
	want := "---\ndescription: Emoji 😀 !rule\npriority: high\n---\nBody.\n"
	if d == nil || d.text != want {
		t.Errorf("buffer after incremental edits = %q, want %q", d.text, want)
	}
}

// doc reads the server's copy of a buffer (the harness runs in-process).
func (e *editor) doc(uri string) *document { return e.srv.doc(uri) }
