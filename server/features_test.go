package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func TestHoverSourceFile(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	h := e.hover(e.uri(liveview), 3, 2)
	for _, want := range []string{"**AI rules**", "20-frameworks/phoenix/liveview", "Phoenix LiveView component standards",
		"priority 8", "glob `lib/**/live/**/*.ex`", "tokens", "30-contexts/deployment", wire.FileURI(filepath.Join(root, ".ai-rules"))} {
		if !strings.Contains(h, want) {
			t.Errorf("hover lacks %q:\n%s", want, h)
		}
	}
	ctx, _ := e.context(e.uri(liveview), nil)
	if !strings.Contains(h, fmt.Sprintf("%d / %d tokens", ctx.Tokens, ctx.MaxTokens)) {
		t.Errorf("hover token total differs from airules/context (%d):\n%s", ctx.Tokens, h)
	}
	// hover: off through didChangeConfiguration.
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"airules": map[string]any{"hover": "off"}}})
	if h := e.hover(e.uri(liveview), 3, 2); h != "" {
		t.Errorf("hover: off still hovers: %q", h)
	}
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"hover": true}})
	if h := e.hover(e.uri(liveview), 3, 2); h == "" {
		t.Errorf("hover: true (top-level setting) does not hover")
	}
}

func TestHoverWhileIndexing(t *testing.T) {
	root := copyExample(t)
	gate := make(chan struct{})
	e := start(t, root, sessionOptions{caps: map[string]any{}, setup: func(s *session) {
		s.handlers["airules/test.release"] = func(context.Context, *session, json.RawMessage) (any, error) { close(gate); return nil, nil }
	}})
	// The index may already be ready on a fast machine; the contract is only that
	// hover answers at once either way.
	start := time.Now()
	h := e.hover(e.uri(liveview), 0, 0)
	if time.Since(start) > 2*time.Second {
		t.Errorf("hover waited %v", time.Since(start))
	}
	if h != hoverIndexing && !strings.Contains(h, "AI rules") {
		t.Errorf("hover = %q", h)
	}
	_ = e.call("airules/test.release", nil, nil)
}

func TestHoverRuleFile(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	text := "---\ndescription: Hover test\npriority: 10\nglobs: [\"lib/**/*.ex\", \"nothing/**\"]\nlanguage:\n  - elixir\n---\nBody.\n"
	uri := e.open(".ai-rules/30-contexts/hover.md", "markdown", text)
	if h := e.hover(uri, 2, 3); !strings.Contains(h, "**priority**") || !strings.Contains(h, "integer 0–100") || !strings.Contains(h, "priority: 80") {
		t.Errorf("key hover:\n%s", h)
	}
	if h := e.hover(uri, 3, 12); !strings.Contains(h, "`lib/**/*.ex` matches **5** files") || !strings.Contains(h, "lib/app/schemas/user.ex") {
		t.Errorf("glob hover:\n%s", h)
	}
	if h := e.hover(uri, 3, 28); !strings.Contains(h, "matches **0** files") {
		t.Errorf("glob hover without matches:\n%s", h)
	}
	if h := e.hover(uri, 5, 6); !strings.Contains(h, "language `elixir`: **8** files") || !strings.Contains(h, "lib/app/schemas/user.ex") {
		t.Errorf("language hover:\n%s", h)
	}
	if h := e.hover(uri, 7, 1); h != "" {
		t.Errorf("hover in the body: %q", h)
	}
}

func completion(t *testing.T, e *editor, uri string, line, char int) []protocol.CompletionItem {
	t.Helper()
	var list protocol.CompletionList
	err := e.call("textDocument/completion", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]any{"line": line, "character": char},
	}, &list)
	if err != nil {
		t.Fatalf("completion: %v", err)
	}
	return list.Items
}

func labels(items []protocol.CompletionItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Label
	}
	return out
}

func TestCompletion(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	empty := e.open(".ai-rules/30-contexts/empty.md", "markdown", "")
	items := completion(t, e, empty, 0, 0)
	if len(items) != 1 || items[0].InsertTextFormat != protocol.InsertTextFormatSnippet || !strings.HasPrefix(items[0].InsertText, "---\ndescription:") {
		t.Errorf("empty file: %+v", items)
	}

	text := "---\ndescription: Completion test\npri\nlanguage: [eli]\nscope: [fr]\nstatus: \nalwaysApply: \nglobs: [\"lib/app_w\"]\n---\nBody.\n"
	uri := e.open(".ai-rules/30-contexts/complete.md", "markdown", text)
	keys := labels(completion(t, e, uri, 2, 3))
	if !slices.Contains(keys, "priority") || slices.Contains(keys, "description") || slices.Contains(keys, "language") {
		t.Errorf("key completion: %v", keys)
	}
	if l := labels(completion(t, e, uri, 3, 14)); !slices.Contains(l, "elixir") || slices.Contains(l, "go") {
		t.Errorf("language completion: %v", l)
	}
	if l := labels(completion(t, e, uri, 4, 10)); !slices.Equal(l, []string{"framework"}) {
		t.Errorf("scope completion: %v", l)
	}
	if l := labels(completion(t, e, uri, 5, 8)); !slices.Equal(l, []string{"active", "disabled"}) {
		t.Errorf("status completion: %v", l)
	}
	if l := labels(completion(t, e, uri, 6, 13)); !slices.Equal(l, []string{"true", "false"}) {
		t.Errorf("alwaysApply completion: %v", l)
	}
	items = completion(t, e, uri, 7, 18)
	if l := labels(items); !slices.Equal(l, []string{"app_web/"}) && !slices.Contains(l, "app_web/") {
		t.Errorf("glob path completion after lib/: %v", l)
	} else if te := items[0].TextEdit; te == nil || te.Range.Start.Character != 13 || te.Range.End.Character != 18 {
		t.Errorf("glob completion edit: %+v", items[0].TextEdit)
	}
	if l := labels(completion(t, e, uri, 9, 2)); len(l) != 0 {
		t.Errorf("completion in the body: %v", l)
	}
	// Source files get nothing.
	src := e.open(liveview, "elixir", "defmodule X do\nend\n")
	if l := labels(completion(t, e, src, 0, 3)); len(l) != 0 {
		t.Errorf("completion in a source file: %v", l)
	}
}

func TestCodeActionsFromDiagnostics(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	text := "---\ndescripton: Fix me\nlanguage: [elixr]\nalwaysApply: \"true\"\nglobs: *.ex, *.exs\n---\nBody.\n"
	uri := e.open(".ai-rules/30-contexts/fixme.md", "markdown", text)
	ds := e.waitDiagnostics(uri, "problems with fixes", func(ds []protocol.Diagnostic) bool {
		return hasCode(ds, "AIR003") != nil && hasCode(ds, "AIR008") != nil && hasCode(ds, "AIR004") != nil && hasCode(ds, "AIR018") != nil
	})
	want := map[string]string{"AIR003": "description", "AIR008": "elixir", "AIR004": "true", "AIR018": `["*.ex", "*.exs"]`}
	for code, newText := range want {
		d := hasCode(ds, code)
		if d.Data == nil {
			t.Errorf("%s has no data", code)
		}
		var actions []protocol.CodeAction
		err := e.call("textDocument/codeAction", map[string]any{
			"textDocument": map[string]any{"uri": uri},
			"range":        d.Range,
			"context":      map[string]any{"diagnostics": []protocol.Diagnostic{*d}},
		}, &actions)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range actions {
			for _, edit := range a.Edit.Changes[protocol.DocumentURI(uri)] {
				if edit.NewText == newText && a.Kind == protocol.QuickFix {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no quick fix to %q in %s", code, newText, mustJSON(actions))
		}
	}
	// The data alone is enough (a list the server no longer holds).
	d3 := *hasCode(ds, "AIR003")
	raw, _ := json.Marshal(d3.Data)
	var data struct {
		Fix struct {
			Edits []protocol.TextEdit `json:"edits"`
		} `json:"fix"`
	}
	if json.Unmarshal(raw, &data) != nil || len(data.Fix.Edits) != 1 || data.Fix.Edits[0].Range.End.Character != 10 {
		t.Errorf("AIR003 data is not an LSP fix: %s", raw)
	}
	clean := wire.FileURI(filepath.Join(root, ".ai-rules", "00-global", "security.md"))
	var fromData []protocol.CodeAction
	_ = e.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": clean}, "range": d3.Range,
		"context": map[string]any{"diagnostics": []protocol.Diagnostic{d3}},
	}, &fromData)
	if len(fromData) != 1 || fromData[0].Title != `Change to "description"` {
		t.Errorf("code action from diagnostic data: %s", mustJSON(fromData))
	}
	// Missing description: the fix inserts the key.
	uri2 := e.open(".ai-rules/30-contexts/nodesc.md", "markdown", "---\npriority: 3\n---\nBody.\n")
	ds = e.waitDiagnostics(uri2, "AIR012", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR012") != nil })
	var actions []protocol.CodeAction
	_ = e.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri2}, "range": hasCode(ds, "AIR012").Range,
		"context": map[string]any{"diagnostics": []any{}},
	}, &actions)
	if len(actions) != 1 || !strings.Contains(actions[0].Edit.Changes[protocol.DocumentURI(uri2)][0].NewText, "description:") {
		t.Errorf("AIR012 fix from the server's own list: %s", mustJSON(actions))
	}
}

func TestDocumentSymbolsAndCodeLens(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	uri := e.open(".ai-rules/30-contexts/symbols.md", "markdown", "---\ndescription: Symbols\nglobs:\n  - \"lib/**\"\n---\n# Title\n\n## Part one\n```\n# not a heading\n```\n## Part two\n")
	var syms []protocol.DocumentSymbol
	if err := e.call("textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}}, &syms); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"description", "globs", "Title"}) || len(syms[2].Children) != 2 || syms[1].Range.End.Line != 3 {
		t.Errorf("symbols: %s", mustJSON(syms))
	}

	src := e.uri(liveview)
	var lenses []protocol.CodeLens
	if err := e.call("textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": src}}, &lenses); err != nil {
		t.Fatal(err)
	}
	ctx, _ := e.context(src, nil)
	want := fmt.Sprintf("%d AI rules apply · %d tokens", len(ctx.Rules), ctx.Tokens)
	if len(lenses) != 1 || lenses[0].Command.Title != want || lenses[0].Command.Command != "airules.showContext" ||
		lenses[0].Range.Start.Line != 0 || len(lenses[0].Command.Arguments) != 1 || lenses[0].Command.Arguments[0] != src {
		t.Errorf("code lens = %s, want title %q", mustJSON(lenses), want)
	}
	// Rule files get no lens.
	if err := e.call("textDocument/codeLens", map[string]any{"textDocument": map[string]any{"uri": uri}}, &lenses); err != nil || len(lenses) != 0 {
		t.Errorf("code lens on a rule file: %v %v", lenses, err)
	}
}

func TestWatcherNewRuleFile(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	e.rec.mu.Lock()
	last := e.rec.generations[len(e.rec.generations)-1]
	e.rec.mu.Unlock()
	writeFile(t, filepath.Join(root, ".ai-rules", "30-contexts", "watched.md"),
		"---\ndescription: Written on disk while serving\nalwaysApply: true\n---\nWATCHED BODY\n")
	e.rec.waitFor(t, 10*time.Second, "airules/indexChanged after a new rule file", func() bool {
		return e.rec.generations[len(e.rec.generations)-1] > last
	})
	ctx, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ctx.Prompt, "WATCHED BODY") {
		t.Errorf("new rule not in the context")
	}
	// Generations only grow.
	e.rec.mu.Lock()
	gens := slices.Clone(e.rec.generations)
	e.rec.mu.Unlock()
	for i := 1; i < len(gens); i++ {
		if gens[i] <= gens[i-1] {
			t.Errorf("generations not increasing: %v", gens)
		}
	}
}

func TestClientWatcherRegistrationAndDedup(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{initOptions: map[string]any{"watch": "client"}})
	e.waitReady()
	e.rec.waitFor(t, 10*time.Second, "client/registerCapability", func() bool { return len(e.rec.registered) > 0 })
	e.rec.mu.Lock()
	reg := string(e.rec.registered[0])
	e.rec.mu.Unlock()
	for _, g := range []string{"**/.ai-rules/**/*.md", "**/*.mdc", "**/*.instructions.md", "**/AGENTS.md", "**/CLAUDE.md"} {
		if !strings.Contains(reg, g) {
			t.Errorf("registration lacks %s: %s", g, reg)
		}
	}
	// watch: client → no server watcher: a file event from the client reindexes.
	p := filepath.Join(root, ".ai-rules", "30-contexts", "client.md")
	writeFile(t, p, "---\ndescription: Seen through the client\nalwaysApply: true\n---\nCLIENT BODY\n")
	gen0 := lastGen(e)
	ev := map[string]any{"changes": []map[string]any{{"uri": wire.FileURI(p), "type": 1}}}
	e.notify("workspace/didChangeWatchedFiles", ev)
	e.rec.waitFor(t, 10*time.Second, "indexChanged after a client file event", func() bool {
		return e.rec.generations[len(e.rec.generations)-1] > gen0
	})
	gen1 := lastGen(e)
	// The same event again, and a didSave-like duplicate: no new generation.
	e.notify("workspace/didChangeWatchedFiles", ev)
	e.notify("workspace/didChangeWatchedFiles", ev)
	// A real change afterwards is seen, and is the only bump.
	// Atomically, as editors save: the reindexer may be reading the file right now.
	writeFileAtomic(t, p, "---\ndescription: Seen through the client, changed\nalwaysApply: true\n---\nCLIENT BODY 2\n")
	e.notify("workspace/didChangeWatchedFiles", ev)
	e.rec.waitFor(t, 10*time.Second, "indexChanged after the real change", func() bool {
		return e.rec.generations[len(e.rec.generations)-1] > gen1
	})
	if g := lastGen(e); g != gen1+1 {
		t.Errorf("duplicate events bumped the generation: %d → %d", gen1, g)
	}
	ix := e.srv.currentFolders()[0].index()
	if ch, err := ix.Reindex(context.Background(), "test", p); err != nil || !ch.Empty() {
		t.Errorf("reindex of an unchanged file changed something: %+v %v", ch, err)
	}
	// watch: server withdraws the client's watchers.
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"watch": "server"}})
	e.rec.waitFor(t, 10*time.Second, "client/unregisterCapability", func() bool { return e.rec.unregistered == 1 })
}

func lastGen(e *editor) uint64 {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	return e.rec.generations[len(e.rec.generations)-1]
}

func TestDisabledRulesSetting(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"airules": map[string]any{
		"disabledRules": []string{"00-global/security"}, "maxTokens": 5000}}})
	ctx, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.MaxTokens != 5000 || !slices.ContainsFunc(ctx.Omitted, func(o wire.OmittedRule) bool { return o.ID == "00-global/security" && o.Reason == "disabled" }) {
		t.Errorf("disabledRules not applied: max %d omitted %+v", ctx.MaxTokens, ctx.Omitted)
	}
	var rs wire.RulesResult
	if err := e.call("airules/rules", map[string]any{}, &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) != ruleCount(t, root) || rs.Generation == 0 {
		t.Errorf("airules/rules: %d rules, generation %d", len(rs.Rules), rs.Generation)
	}
	for _, r := range rs.Rules {
		if r.ID == "00-global/security" && r.Status != "disabled" {
			t.Errorf("security rule status %q", r.Status)
		}
	}
}

func TestRulesDirSettingReopens(t *testing.T) {
	root := copyExample(t)
	writeFile(t, filepath.Join(root, "other-rules", "only.md"), "---\ndescription: From the other root\nalwaysApply: true\n---\nOTHER ROOT\n")
	e := start(t, root, sessionOptions{})
	e.waitReady()
	g0 := lastGen(e)
	e.notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"rulesDir": "other-rules"}})
	e.rec.waitFor(t, 10*time.Second, "indexChanged after the reopen", func() bool {
		return e.rec.generations[len(e.rec.generations)-1] > g0
	})
	// indexChanged comes after the new index is in place: it answers at once.
	if ctx, err := e.context(e.uri(liveview), nil); err != nil || len(ctx.Rules) != 1 || ctx.Rules[0].ID != "only" {
		t.Fatalf("context after rulesDir change: %+v %v", ctx.Rules, err)
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{setup: func(s *session) {
		s.handlers["airules/test.panic"] = func(context.Context, *session, json.RawMessage) (any, error) { panic("boom") }
	}})
	e.waitReady()
	err := e.call("airules/test.panic", map[string]any{}, nil)
	if rpcCode(err) != jsonrpc2.InternalError || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panic answered %v (code %d)", err, rpcCode(err))
	}
	if _, err := e.context(e.uri(liveview), nil); err != nil {
		t.Fatalf("server dead after a panic: %v", err)
	}
}

// TestNumericCancel speaks raw JSON-RPC: the id of the request and of the
// $/cancelRequest is a JSON number, as VS Code and Neovim send it.
func TestNumericCancel(t *testing.T) {
	root := copyExample(t)
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{}, 1)
	opts := Options{Logger: testLogger(), DBPath: ":memory:", UserRulesDir: "-", setup: func(s *session) {
		s.handlers["airules/test.block"] = func(ctx context.Context, _ *session, _ json.RawMessage) (any, error) {
			started <- struct{}{}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Second):
				return "not cancelled", nil
			}
		}
	}}
	done := make(chan runResult, 1)
	go func() { c, err := Run(ctx, a, opts); done <- runResult{c, err} }()
	stream := jsonrpc2.NewStream(b)
	responses := make(chan *jsonrpc2.Response, 16)
	go func() {
		for {
			msg, _, err := stream.Read(ctx)
			if errors.Is(err, jsonrpc2.ErrInvalidRequest) {
				continue // an error answer with id null, which jsonrpc2 cannot represent
			}
			if err != nil {
				return
			}
			if r, ok := msg.(*jsonrpc2.Response); ok {
				responses <- r
			}
		}
	}()
	write := func(m jsonrpc2.Message) {
		if _, err := stream.Write(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	await := func(id int32) *jsonrpc2.Response {
		t.Helper()
		for {
			select {
			case r := <-responses:
				if r.ID() == jsonrpc2.NewNumberID(id) {
					return r
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no response to %d", id)
			}
		}
	}
	initialize, _ := jsonrpc2.NewCall(jsonrpc2.NewNumberID(1), "initialize", map[string]any{"rootUri": wire.FileURI(root), "capabilities": map[string]any{}})
	write(initialize)
	await(1)
	n, _ := jsonrpc2.NewNotification("initialized", map[string]any{})
	write(n)
	block, _ := jsonrpc2.NewCall(jsonrpc2.NewNumberID(2), "airules/test.block", map[string]any{})
	write(block)
	queued, _ := jsonrpc2.NewCall(jsonrpc2.NewNumberID(3), "airules/rules", map[string]any{})
	write(queued)
	<-started
	// Cancel the request queued behind the running one, then the running one, by
	// numeric id (in this order: once 2 ends, 3 starts at once).
	for _, id := range []string{`{"id":3.0}`, `{"id":2}`} {
		c, _ := jsonrpc2.NewNotification("$/cancelRequest", json.RawMessage(id))
		write(c)
	}
	for _, id := range []int32{2, 3} {
		r := await(id)
		var we *jsonrpc2.Error
		if err := r.Err(); err == nil || !errorsAs(err, &we) || we.Code != -32800 {
			t.Errorf("cancelled request %d answered %v", id, r.Err())
		}
	}
	// A framed message that is not JSON-RPC is answered with an error, not fatal.
	for _, garbage := range []string{`{"jsonrpc":"2.0","id":9,`, `{"jsonrpc":"1.0","id":9,"method":"x"}`} {
		if _, err := fmt.Fprintf(b, "Content-Length: %d\r\n\r\n%s", len(garbage), garbage); err != nil {
			t.Fatal(err)
		}
	}
	if r := await(9); rpcCode(r.Err()) != jsonrpc2.InvalidRequest {
		t.Errorf("jsonrpc 1.0 request answered %v, want -32600", r.Err())
	}
	// The server goes on.
	after, _ := jsonrpc2.NewCall(jsonrpc2.NewNumberID(4), "airules/rules", map[string]any{})
	write(after)
	if r := await(4); r.Err() != nil {
		t.Errorf("request after cancellation: %v", r.Err())
	}
	exit, _ := jsonrpc2.NewNotification("exit", nil)
	write(exit)
	if r := <-done; r.code != 1 {
		t.Errorf("exit without shutdown: %+v", r)
	}
}

func errorsAs(err error, target **jsonrpc2.Error) bool {
	e, ok := err.(*jsonrpc2.Error)
	if ok {
		*target = e
	}
	return ok
}

func TestMultiRoot(t *testing.T) {
	a := copyExample(t)
	b := t.TempDir()
	writeFile(t, filepath.Join(b, ".ai-rules", "only-b.md"), "---\ndescription: Only in B\nalwaysApply: true\n---\nB BODY\n")
	writeFile(t, filepath.Join(b, "main.go"), "package main\n")
	e := start(t, a, sessionOptions{noInit: true})
	params := map[string]any{
		"workspaceFolders": []map[string]any{{"uri": wire.FileURI(a), "name": "a"}, {"uri": wire.FileURI(b), "name": "b"}},
		"capabilities":     map[string]any{},
	}
	if err := e.call("initialize", params, nil); err != nil {
		t.Fatal(err)
	}
	e.notify("initialized", map[string]any{})
	e.rec.waitFor(t, 20*time.Second, "both folders indexed", func() bool { return len(e.rec.generations) >= 2 })
	ctxB, err := e.context(wire.FileURI(filepath.Join(b, "main.go")), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ctxB.Rules) != 1 || ctxB.Rules[0].ID != "only-b" || ctxB.LanguageID != "go" {
		t.Errorf("folder b: %+v", ctxB)
	}
	ctxA, _ := e.context(e.uri(liveview), nil)
	if slices.ContainsFunc(ctxA.Rules, func(r wire.ContextRule) bool { return r.ID == "only-b" }) {
		t.Errorf("folder b's rule applies in folder a")
	}
}

func TestStdioBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "airules")
	build := execCommand("go", "build", "-o", bin, "../cmd/airules")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := copyExample(t)
	cmd := execCommand(bin, "serve", "--log-level", "warn")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "HOME="+t.TempDir())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// A process that dies early (an unknown command) fails the test at once.
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait(); cancel() }()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rwc{stdout, stdin}))
	rec := newRecorder()
	conn.Go(ctx, rec.handler)
	var init map[string]any
	if _, err := conn.Call(ctx, "initialize", map[string]any{"rootUri": wire.FileURI(root), "capabilities": map[string]any{}}, &init); err != nil {
		t.Fatalf("initialize: %v\n%s", err, stderr.String())
	}
	_ = conn.Notify(ctx, "initialized", map[string]any{})
	var res wire.ContextResult
	if _, err := conn.Call(ctx, "airules/context", map[string]any{"textDocument": map[string]any{"uri": wire.FileURI(filepath.Join(root, liveview))}}, &res); err != nil {
		t.Fatalf("context: %v\n%s", err, stderr.String())
	}
	if len(res.Rules) == 0 || !strings.Contains(res.Prompt, "LiveView") {
		t.Errorf("context over stdio: %+v", res)
	}
	if _, err := conn.Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.Notify(ctx, "exit", nil)
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("airules serve exited with %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("airules serve did not exit\n%s", stderr.String())
	}
	if cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("exit code %d", cmd.ProcessState.ExitCode())
	}
}

// TestPlaintextFallsBackToTheFileName: VS Code without an Elixir extension opens .ex
// files as plaintext; the rules for Elixir still apply, as on the command line.
func TestPlaintextFallsBackToTheFileName(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	want, err := e.context(e.uri(liveview), nil) // not open: language from the name
	if err != nil {
		t.Fatal(err)
	}
	uri := e.open(liveview, "plaintext", "defmodule X do\nend\n")
	for _, extra := range []map[string]any{nil, {"languageId": "plaintext"}} {
		got, err := e.context(uri, extra)
		if err != nil {
			t.Fatal(err)
		}
		if got.LanguageID != "elixir" || len(got.Rules) != len(want.Rules) || got.Prompt != want.Prompt {
			t.Errorf("params %v: language %q, %d rules; want elixir, %d rules", extra, got.LanguageID, len(got.Rules), len(want.Rules))
		}
	}
}

func TestDocumentLinks(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{})
	e.waitReady()
	uri := e.open(".ai-rules/30-contexts/links.md", "markdown", "---\ndescription: Links\nglobs:\n  - \"mix.exs\"\n  - \"lib/app/schemas/user.ex\"\n  - \"lib/**/*.ex\"\n---\nBody.\n")
	var links []protocol.DocumentLink
	if err := e.call("textDocument/documentLink", map[string]any{"textDocument": map[string]any{"uri": uri}}, &links); err != nil {
		t.Fatal(err)
	}
	if len(links) != 1 || links[0].Range.Start.Line != 4 || links[0].Range.Start.Character != 5 ||
		string(links[0].Target) != e.uri("lib/app/schemas/user.ex") {
		t.Errorf("links = %s", mustJSON(links))
	}
}

// TestContextContentOnRequest: bodies are in the prompt; rules[].content only when
// the request sets content: true, and then each is the rule's body.
func TestContextContentOnRequest(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{})
	e.waitReady()
	lean, err := e.context(e.uri(liveview), nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.context(e.uri(liveview), map[string]any{"content": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(lean.Rules) == 0 || len(full.Rules) != len(lean.Rules) || lean.Prompt != full.Prompt {
		t.Fatalf("lean %d rules, full %d; prompts equal: %v", len(lean.Rules), len(full.Rules), lean.Prompt == full.Prompt)
	}
	for i, r := range lean.Rules {
		if r.Content != "" {
			t.Errorf("%s: content without content: true", r.ID)
		}
		if c := full.Rules[i].Content; c == "" || !strings.Contains(full.Prompt, c) {
			t.Errorf("%s: content %q is not in the prompt", r.ID, c)
		}
	}
}

// Publishing every rule file at startup keeps no entry for a clean one, and a late
// list of problems older than that publication is still dropped as stale for it.
func TestCleanFilesPublishedWithoutAnEntryEach(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	e.afterChange()
	s := e.srv
	f := s.currentFolders()[0]
	snap := f.index().Snapshot()
	var clean string
	for p, ps := range snap.Problems {
		if len(ps) == 0 {
			clean = p
			break
		}
	}
	if clean == "" {
		t.Fatal("the example has no clean rule file")
	}
	s.pub.mu.Lock()
	for k, st := range s.pub.last {
		if len(st.problems) == 0 {
			t.Errorf("an entry for clean %s", k.path)
		}
	}
	if got := s.pub.clean[f.root]; got != snap.Generation {
		t.Errorf("clean as of generation %d, want %d", got, snap.Generation)
	}
	s.pub.mu.Unlock()

	problem := []rules.Problem{{Code: "AIR001", Severity: rules.SeverityWarning, Message: "late"}}
	s.publishProblems(f, map[string][]rules.Problem{clean: problem}, snap.Generation-1)
	e.afterChange()
	uri := wire.FileURI(clean)
	e.rec.mu.Lock()
	n := e.rec.diagCount[uri]
	e.rec.mu.Unlock()
	if n != 0 {
		t.Fatalf("a list older than the startup publication was sent for %s", clean)
	}
	s.publishProblems(f, map[string][]rules.Problem{clean: problem}, snap.Generation+1)
	e.waitDiagnostics(uri, "the newer list", func(ds []protocol.Diagnostic) bool { return len(ds) == 1 })
}
