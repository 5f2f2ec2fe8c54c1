package mcp

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/airules/airules/index"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkRulesForFile is one rules_for_file call from an SDK client over the
// in-memory transport, answered from the snapshot's context cache: the cost MCP adds
// to the one context computation (schema validation, JSON, the text rendering).
func BenchmarkRulesForFile(b *testing.B) {
	root := b.TempDir()
	if err := copyInto(example, root); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	srv, err := New(ctx, Options{Index: index.Options{Root: root, DBPath: filepath.Join(b.TempDir(), "index.db")}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	st, ct := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	defer ss.Close()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	params := &sdk.CallToolParams{Name: "rules_for_file", Arguments: map[string]any{"path": "lib/app_web/live/page_live.ex"}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := cs.CallTool(ctx, params)
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
	}
}
