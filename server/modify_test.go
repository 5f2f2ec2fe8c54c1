package server

import (
	"testing"
)

// TestOneEditOneDiagnosticsRun: every change reaches the client through one path
// (didModify), so one edit of an open rule file is one computation of diagnostics
// and one publishDiagnostics, whatever else watches the file.
func TestOneEditOneDiagnosticsRun(t *testing.T) {
	e := start(t, copyExample(t), sessionOptions{}) // watch: auto, the server's watcher on
	e.waitReady()
	uri := e.open(".ai-rules/30-contexts/count.md", "markdown", "---\ndescription: counted\npriority: high\n---\nBody.\n")
	e.afterChange()
	e.rec.mu.Lock()
	sent := e.rec.diagCount[uri]
	e.rec.mu.Unlock()
	if sent != 1 {
		t.Fatalf("didOpen of a broken rule: %d publications, want 1", sent)
	}
	runs := e.srv.pub.runs.Load()

	e.change(uri, 2, "---\ndescription: counted\npriority: 200\n---\nBody.\n")
	e.afterChange()
	e.rec.mu.Lock()
	sent, diags := e.rec.diagCount[uri], e.rec.diags[uri]
	e.rec.mu.Unlock()
	if got := e.srv.pub.runs.Load() - runs; got != 1 {
		t.Errorf("one didChange made %d diagnostics runs, want 1", got)
	}
	if sent != 2 || hasCode(diags, "AIR005") == nil || hasCode(diags, "AIR004") != nil {
		t.Errorf("after the edit: %d publications, diagnostics %+v; want 2, AIR005 only", sent, diags)
	}

	// An edit that changes nothing the client sees still runs once, and sends nothing.
	e.change(uri, 3, "---\ndescription: counted\npriority: 200\n---\nBody, reworded.\n")
	e.afterChange()
	e.rec.mu.Lock()
	sent = e.rec.diagCount[uri]
	e.rec.mu.Unlock()
	if got := e.srv.pub.runs.Load() - runs; got != 2 || sent != 2 {
		t.Errorf("body edit: %d runs in all, %d publications; want 2 and 2", got, sent)
	}
}
