package server

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/index"
	"github.com/airules/airules/server/wire"
)

// The answer cache keeps what fits its bound, drops answers one by one to fit a new
// one, forgets everything when the snapshot changes, and counts an answer stored twice
// once.
func TestAnswerCache(t *testing.T) {
	s1, s2 := &index.Snapshot{}, &index.Snapshot{}
	key := func(i int) answerKey { return answerKey{uri: "file:///f" + strings.Repeat("x", i)} }
	val := packed(strings.Repeat("a", 100))
	a := &answers{max: 350}
	for i := range 3 {
		a.put(s1, key(i), val)
	}
	for i := range 3 {
		if _, ok := a.get(s1, key(i)); !ok {
			t.Fatalf("answer %d lost under the bound", i)
		}
	}
	a.put(s1, key(3), val) // 400 > 350: one goes
	kept := 0
	for i := range 4 {
		if _, ok := a.get(s1, key(i)); ok {
			kept++
		}
	}
	if kept != 3 || a.bytes != 300 {
		t.Fatalf("kept %d answers, %d bytes; want 3 and 300", kept, a.bytes)
	}
	a.put(s1, key(3), val) // again: counted once
	if a.bytes != 300 {
		t.Fatalf("%d bytes after storing an answer twice", a.bytes)
	}
	if _, ok := a.get(s2, key(3)); ok {
		t.Fatal("an answer of another snapshot")
	}
	a.put(s2, key(9), val)
	if _, ok := a.get(s1, key(3)); ok || a.bytes != 100 {
		t.Fatalf("the old snapshot's answers stayed (%d bytes)", a.bytes)
	}
}

// A cached answer is byte for byte the answer computed for the first request; through the real server over a pipe, with a prompt
// that needs escaping.
func TestCachedAnswerIsTheComputedOne(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, ".ai-rules/00-global/a.md"), "---\ndescription: say 'quotes' <and> & tags\nalwaysApply: true\n---\nUse \"x\" \\ y <b>, \u2028 and\ttabs.\n")
	writeFile(t, filepath.Join(root, ".ai-rules/00-global/b.md"), "---\ndescription: second\nglobs: [\"**/*.go\"]\n---\nSecond rule \u00e9.\n")
	writeFile(t, filepath.Join(root, "main.go"), "package main\n")
	e := start(t, root, sessionOptions{})
	e.waitReady()
	params := map[string]any{"textDocument": map[string]any{"uri": e.uri("main.go")}}
	var first, second json.RawMessage
	if err := e.call("airules/context", params, &first); err != nil {
		t.Fatal(err)
	}
	if err := e.call("airules/context", params, &second); err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Fatalf("cached answer differs:\n%s\n%s", first, second)
	}
	var res wire.ContextResult
	if err := json.Unmarshal(second, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rules) != 2 || !strings.Contains(res.Prompt, `Use "x" \ y <b>`) {
		t.Fatalf("answer %+v", res)
	}
	// The second answer came from the cache: the folder holds one answer.
	folders := e.srv.currentFolders()
	if len(folders) != 1 {
		t.Fatalf("%d folders", len(folders))
	}
	a := &folders[0].answers
	a.mu.Lock()
	cached := len(a.byKey)
	a.mu.Unlock()
	if cached != 1 {
		t.Fatalf("%d cached answers, want 1", cached)
	}
}
