package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airules/airules/server/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestWireSamples keeps testdata/wire/*.json, real answers of airules/context and
// airules/rules on the example workspace, in step with the Go wire types: the editors'
// unit tests read them to hold their copies of the types to these
// (go test ./server -run TestWireSamples -update rewrites them).
func TestWireSamples(t *testing.T) {
	root := copyExample(t)
	e := start(t, root, sessionOptions{})
	e.waitReady()
	// A small budget, content and a cut of the omitted list: every field and list of
	// the shape has a value, so the clients' tests see each field's type.
	ctx, err := e.context(e.uri(liveview), map[string]any{"maxTokens": 150, "content": true, "maxOmitted": 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(ctx.Rules) == 0 || len(ctx.Omitted) == 0 || ctx.MoreOmitted == 0 || len(ctx.Available) == 0 || ctx.Rules[0].Content == "" {
		t.Fatalf("the sample lacks a part of the shape: %d rules, %d omitted (%d more), %d available",
			len(ctx.Rules), len(ctx.Omitted), ctx.MoreOmitted, len(ctx.Available))
	}
	var rs wire.RulesResult
	if err := e.call("airules/rules", map[string]any{}, &rs); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"context.json": ctx, "rules.json": rs} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		// The temporary root is not part of the shape.
		got := strings.ReplaceAll(b.String(), wire.FileURI(root), "file:///workspace")
		got = strings.ReplaceAll(got, root, "/workspace")
		golden := filepath.Join("..", "testdata", "wire", name)
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from the server's answer; run go test ./server -run TestWireSamples -update\n%s", name, got)
		}
	}
}
