package server

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"

	"go.lsp.dev/protocol"
)

func TestRequestsWhileIndexing(t *testing.T) {
	root := copyExample(t)
	release := make(chan struct{})
	deferred := make(chan string, 4)
	e := start(t, root, sessionOptions{setup: func(s *session) {
		s.beforeOpen = func() { <-release }
		s.onDeferred = func(method string) { deferred <- method }
	}})
	if h := e.hover(e.uri(liveview), 0, 0); h != hoverIndexing {
		t.Errorf("hover while indexing = %q, want %q", h, hoverIndexing)
	}
	// airules/context waits for the index without holding up other requests.
	type res struct {
		ctx wire.ContextResult
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := e.context(e.uri(liveview), nil)
		ch <- res{c, err}
	}()
	if m := <-deferred; m != "airules/context" { // the context request waits; the queue goes on
		t.Fatalf("deferred %s, want airules/context", m)
	}
	if h := e.hover(e.uri(liveview), 0, 0); h != hoverIndexing {
		t.Errorf("hover behind a waiting context request = %q", h)
	}
	select {
	case r := <-ch:
		t.Fatalf("context answered before the index existed: %+v %v", r.ctx, r.err)
	default:
	}
	rulesCh := make(chan error, 1)
	go func() {
		var rs wire.RulesResult
		err := e.call("airules/rules", map[string]any{}, &rs)
		if err == nil && len(rs.Rules) == 0 {
			err = errors.New("no rules")
		}
		rulesCh <- err
	}()
	close(release)
	if err := <-rulesCh; err != nil {
		t.Errorf("airules/rules while indexing: %v", err)
	}
	r := <-ch
	if r.err != nil || len(r.ctx.Rules) == 0 {
		t.Fatalf("context after the index opened: %+v %v", r.ctx, r.err)
	}
	e.waitReady()
	if h := e.hover(e.uri(liveview), 0, 0); !strings.Contains(h, "AI rules") {
		t.Errorf("hover after indexing = %q", h)
	}
}

func TestDuplicateEventsBumpOnce(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{}) // watch: auto: server watcher and client events
	e.waitReady()
	g0 := lastGen(e)
	p := filepath.Join(root, ".ai-rules", "30-contexts", "dup.md")
	text := "---\ndescription: Saved once\nalwaysApply: true\n---\nDUP\n"
	// The editor opens a buffer, the user saves: overlay, disk write, didSave, the
	// server's watcher and the client's event all see the same content.
	uri := e.open(".ai-rules/30-contexts/dup.md", "markdown", text)
	e.rec.waitFor(t, 10*time.Second, "the overlay's change", func() bool { return lastGenLocked(e) > g0 })
	g1 := lastGen(e)
	writeFile(t, p, text)
	e.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": uri}})
	ev := map[string]any{"changes": []map[string]any{{"uri": wire.FileURI(p), "type": 1}}}
	e.notify("workspace/didChangeWatchedFiles", ev)
	e.notify("workspace/didChangeWatchedFiles", ev)
	// A sentinel real change afterwards; once it is seen, the duplicates are done.
	sentinel := filepath.Join(root, ".ai-rules", "30-contexts", "sentinel.md")
	writeFile(t, sentinel, "---\ndescription: Sentinel\n---\nS\n")
	e.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": wire.FileURI(sentinel), "type": 1}}})
	e.rec.waitFor(t, 10*time.Second, "the sentinel's change", func() bool { return lastGenLocked(e) > g1 })
	ix := e.srv.currentFolders()[0].index()
	e.rec.waitFor(t, 10*time.Second, "the sentinel in the snapshot", func() bool { return ix.Snapshot().RuleAt(sentinel) != nil })
	if g := lastGen(e); g != g1+1 {
		t.Errorf("one save bumped the generation more than once: %d → %d (sentinel included)", g1, g)
	}
	// Closing the buffer whose content equals the disk changes nothing either.
	e.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	if _, err := e.context(e.uri(liveview), nil); err != nil {
		t.Fatal(err)
	}
	if g := lastGen(e); g != g1+1 {
		t.Errorf("closing an unchanged buffer bumped the generation: %d → %d", g1+1, g)
	}
}

func lastGenLocked(e *editor) uint64 { return e.rec.generations[len(e.rec.generations)-1] }

func TestWorkspaceFoldersChange(t *testing.T) {
	a := copyExample(t)
	b := t.TempDir()
	writeFile(t, filepath.Join(b, ".ai-rules", "b.md"), "---\ndescription: B\npriority: high\n---\nB\n")
	e := start(t, a, sessionOptions{})
	e.waitReady()
	e.notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added": []map[string]any{{"uri": wire.FileURI(b), "name": "b"}}, "removed": []any{}}})
	bRule := wire.FileURI(filepath.Join(b, ".ai-rules", "b.md"))
	e.waitDiagnostics(bRule, "diagnostics of the added folder", func(ds []protocol.Diagnostic) bool { return hasCode(ds, "AIR004") != nil })
	if _, err := e.context(wire.FileURI(filepath.Join(b, "x.go")), nil); err != nil {
		t.Errorf("context in the added folder: %v", err)
	}
	e.notify("workspace/didChangeWorkspaceFolders", map[string]any{"event": map[string]any{
		"added": []any{}, "removed": []map[string]any{{"uri": wire.FileURI(b), "name": "b"}}}})
	e.waitDiagnostics(bRule, "diagnostics cleared with the removed folder", func(ds []protocol.Diagnostic) bool { return len(ds) == 0 })
	if _, err := e.context(wire.FileURI(filepath.Join(b, "x.go")), nil); rpcCode(err) != -32602 {
		t.Errorf("context in the removed folder: %v", err)
	}
}
