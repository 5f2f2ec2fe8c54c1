package mcp

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/index"
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
