package mcp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestLockedDatabaseFallsBackToMemory: a language server holding the workspace's
// database leaves the MCP server an in-memory copy, said in the log, with the same
// answers.
func TestLockedDatabaseFallsBackToMemory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "index.db")
	core, logs := observer.New(zapcore.InfoLevel)
	var holder *index.Index
	e := start(t, setup{dbPath: db, logger: zap.New(core), prepare: func(root string) {
		var err error
		holder, err = index.Open(context.Background(), index.Options{Root: root, DBPath: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = holder.Close() })
	}})
	if !e.srv.Index().Metrics().InMemory {
		t.Fatalf("the server did not fall back to memory")
	}
	if logs.FilterMessageSnippet("in-memory").Len() == 0 {
		t.Errorf("the fallback is not in the log: %v", logs.All())
	}
	var res wire.ContextResult
	e.callOK("rules_for_file", map[string]any{"path": "lib/app_web/live/page_live.ex"}, &res)
	want := holder.Snapshot().Context("lib/app_web/live/page_live.ex", "", nil, 0).Prompt
	if res.Prompt != want {
		t.Errorf("the in-memory copy answers differently")
	}
}

func TestServerInfo(t *testing.T) {
	e := start(t, setup{})
	init := e.cs.InitializeResult()
	if init.ServerInfo.Name != "airules" || init.ServerInfo.Version != "test" || !strings.Contains(init.Instructions, "rules_for_file") {
		t.Errorf("initialize result %+v", init)
	}
	caps := init.Capabilities
	if caps.Tools == nil || caps.Resources == nil || !caps.Resources.ListChanged || caps.Prompts == nil {
		t.Errorf("capabilities %+v", caps)
	}
}

// Like the language server, the MCP server reads the bodies of the most important
// rules before it answers (index.Ahead): after a warm start, the first rule a
// budget takes has its body in memory, as it was, even when its file changes later.
func TestNewReadsTheFirstRulesAhead(t *testing.T) {
	db := filepath.Join(t.TempDir(), "index.db")
	root := copyExample(t)
	first, err := New(t.Context(), Options{Index: index.Options{Root: root, DBPath: db}})
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Close()

	srv, err := New(t.Context(), Options{Index: index.Options{Root: root, DBPath: db}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	snap := srv.Index().Snapshot()
	var top *rules.Rule
	for _, r := range snap.Rules.Rules() {
		if r.Active() && !r.AgentRequested() && !r.Unreadable() && (top == nil || rules.Compare(r, top) < 0) {
			top = r
		}
	}
	if top == nil {
		t.Fatal("the example has no rule")
	}
	data, err := os.ReadFile(top.Path)
	if err != nil {
		t.Fatal(err)
	}
	was := rules.Parse(top.Source, data).Text()
	if err := os.WriteFile(top.Path, []byte("---\ndescription: changed\n---\nchanged\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := snap.RuleAt(top.Path).Text(); got != was {
		t.Fatalf("%s: body %q after its file changed, want the one read ahead, %q", top.ID, got, was)
	}
}
