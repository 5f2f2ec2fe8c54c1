package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server"
	"github.com/airules/airules/server/wire"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// TestParityMCPCLILSP: for every file of the example workspace, the MCP tool
// rules_for_file, `airules context --json` and the language server's airules/context
// give the same rules in the same order, the same omissions and offers, and the same
// prompt, with their default params and again with the same small budget and cut of
// the omitted list. The three run in this process, each opening the workspace its own
// way (the MCP server holds the cache; the others fall back to memory), as they would
// side by side.
func TestParityMCPCLILSP(t *testing.T) {
	isolate(t)
	root := copyTree(t, example)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	mcp := startMCP(t, ctx, root)
	lsp := startLSP(t, ctx, root)

	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d files in the example", len(files))
	}
	// The same params in each translation: none, then a budget and a cut that leave
	// some omitted rules out of the list.
	shapes := []struct {
		name   string
		params map[string]any // MCP arguments and LSP params besides the file
		flags  []string       // the CLI's
	}{
		{"default", map[string]any{}, nil},
		{"cut", map[string]any{"maxTokens": 100, "maxOmitted": 1}, []string{"--max-tokens", "100", "--max-omitted", "1"}},
	}
	withRules, cut := 0, 0
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		for _, sh := range shapes {
			t.Run(filepath.ToSlash(rel)+"/"+sh.name, func(t *testing.T) {
				args := map[string]any{"path": rel}
				params := map[string]any{"textDocument": map[string]any{"uri": wire.FileURI(file)}}
				for k, v := range sh.params {
					args[k], params[k] = v, v
				}
				res, err := mcp.CallTool(ctx, &sdk.CallToolParams{Name: "rules_for_file", Arguments: args})
				if err != nil {
					t.Fatal(err)
				}
				var viaMCP wire.ContextResult
				structured(t, res, &viaMCP)
				viaCLI := cliContext(t, root, file, sh.flags...)
				var viaLSP wire.ContextResult
				if _, err := lsp.Call(ctx, "airules/context", params, &viaLSP); err != nil {
					t.Fatalf("airules/context: %v", err)
				}
				if len(viaMCP.Rules) > 0 && sh.name == "default" {
					withRules++
				}
				if viaMCP.MoreOmitted > 0 {
					cut++
				}
				sameAnswers(t, viaMCP, viaCLI, viaLSP)
			})
		}
	}
	if withRules < len(files)/2 {
		t.Errorf("only %d of %d files have rules: the comparison says little", withRules, len(files))
	}
	if cut == 0 {
		t.Errorf("no answer left an omitted rule out of its list: the cut goes uncompared")
	}
}

// sameAnswers fails t unless the CLI's and the language server's answers equal MCP's:
// the same rules in order, omissions (and how many more), offers, prompt, tokens,
// language, URI and budget.
func sameAnswers(t *testing.T, viaMCP, viaCLI, viaLSP wire.ContextResult) {
	t.Helper()
	for _, other := range []struct {
		name string
		res  wire.ContextResult
	}{{"airules context --json", viaCLI}, {"airules/context", viaLSP}} {
		if a, b := ruleIDs(viaMCP), ruleIDs(other.res); !slices.Equal(a, b) {
			t.Errorf("rules: rules_for_file %v, %s %v", a, other.name, b)
		}
		if a, b := omittedIDs(viaMCP), omittedIDs(other.res); !slices.Equal(a, b) || viaMCP.MoreOmitted != other.res.MoreOmitted {
			t.Errorf("omitted: rules_for_file %v and %d more, %s %v and %d more", a, viaMCP.MoreOmitted, other.name, b, other.res.MoreOmitted)
		}
		if a, b := availableIDs(viaMCP), availableIDs(other.res); !slices.Equal(a, b) {
			t.Errorf("available: rules_for_file %v, %s %v", a, other.name, b)
		}
		if viaMCP.Prompt != other.res.Prompt || viaMCP.Tokens != other.res.Tokens || viaMCP.LanguageID != other.res.LanguageID ||
			viaMCP.URI != other.res.URI || viaMCP.MaxTokens != other.res.MaxTokens {
			t.Errorf("rules_for_file and %s differ: prompt equal %v, tokens %d/%d, language %q/%q, uri %q/%q, max %d/%d",
				other.name, viaMCP.Prompt == other.res.Prompt, viaMCP.Tokens, other.res.Tokens,
				viaMCP.LanguageID, other.res.LanguageID, viaMCP.URI, other.res.URI, viaMCP.MaxTokens, other.res.MaxTokens)
		}
	}
}

func omittedIDs(res wire.ContextResult) []string {
	out := []string{}
	for _, o := range res.Omitted {
		out = append(out, o.ID+":"+o.Reason)
	}
	return out
}

func availableIDs(res wire.ContextResult) []string {
	out := []string{}
	for _, a := range res.Available {
		out = append(out, a.ID)
	}
	return out
}

// startMCP runs `airules mcp` in-process on pipes and connects an MCP client.
func startMCP(t *testing.T, ctx context.Context, root string) *sdk.ClientSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- runMCP(mcpOptions{workspace: workspaceFlags{root: root, rulesDir: ".ai-rules"}, logLevel: "warn"}, inR, outW, &stderr)
		outW.Close()
	}()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "parity", Version: "1"}, nil).
		Connect(ctx, &sdk.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatalf("mcp: %v", err)
	}
	t.Cleanup(func() {
		_ = cs.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("airules mcp did not exit")
		}
	})
	return cs
}

// startLSP runs the language server in-process over a pipe and initializes it on root.
func startLSP(t *testing.T, ctx context.Context, root string) jsonrpc2.Conn {
	t.Helper()
	a, b := net.Pipe()
	done := make(chan struct{})
	go func() {
		_, _ = server.Run(ctx, a, server.Options{Logger: zap.NewNop()})
		close(done)
	}()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(b))
	conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		return reply(ctx, nil, nil) // configuration, registrations, progress: accept all
	})
	init := map[string]any{
		"rootUri":          wire.FileURI(root),
		"workspaceFolders": []map[string]any{{"uri": wire.FileURI(root), "name": filepath.Base(root)}},
		"capabilities":     map[string]any{},
	}
	if _, err := conn.Call(ctx, "initialize", init, nil); err != nil {
		t.Fatalf("lsp initialize: %v", err)
	}
	if err := conn.Notify(ctx, "initialized", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Call(ctx, "shutdown", nil, nil)
		_ = conn.Notify(ctx, "exit", nil)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("the language server did not exit")
		}
		_ = conn.Close()
	})
	return conn
}

// TestParityMixedFormats: on a workspace holding every rule format, the CLI, MCP's
// rules_for_file and the language server (airules/context and hover) give one answer
// for every file: the same rules in the same order, the same omissions (duplicates
// included) and offers, the same prompt. The language server reads a file's content
// (for Continue's regex) from its open buffer, never from the disk, so each file is
// opened first, as an editor would; the CLI and MCP read it from the disk.
func TestParityMixedFormats(t *testing.T) {
	isolate(t)
	root := copyTree(t, filepath.Join("..", "..", "testdata", "formats", "mixed"))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	mcp := startMCP(t, ctx, root)
	lsp := startLSP(t, ctx, root)

	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".golden") && !strings.HasSuffix(p, ".txt") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) < 10 {
		t.Fatalf("%d files in the mixed workspace: %v", len(files), err)
	}
	formats := map[string]bool{}
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			res, err := mcp.CallTool(ctx, &sdk.CallToolParams{Name: "rules_for_file", Arguments: map[string]any{"path": rel}})
			if err != nil {
				t.Fatal(err)
			}
			var viaMCP wire.ContextResult
			structured(t, res, &viaMCP)
			viaCLI := cliContext(t, root, file)

			text, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			uri := wire.FileURI(file)
			doc := map[string]any{"uri": uri}
			_ = lsp.Notify(ctx, "textDocument/didOpen", map[string]any{"textDocument": map[string]any{
				"uri": uri, "languageId": "", "version": 1, "text": string(text)}})
			var viaLSP wire.ContextResult
			if _, err := lsp.Call(ctx, "airules/context", map[string]any{"textDocument": doc}, &viaLSP); err != nil {
				t.Fatalf("airules/context: %v", err)
			}
			var hover struct {
				Contents struct{ Value string } `json:"contents"`
			}
			if _, err := lsp.Call(ctx, "textDocument/hover", map[string]any{"textDocument": doc, "position": map[string]any{"line": 0, "character": 0}}, &hover); err != nil {
				t.Fatalf("hover: %v", err)
			}
			_ = lsp.Notify(ctx, "textDocument/didClose", map[string]any{"textDocument": doc})

			sameAnswers(t, viaMCP, viaCLI, viaLSP)
			// A rule file's hover documents its frontmatter; a source file's lists its rules.
			if len(viaLSP.Rules) > 0 && strings.HasPrefix(hover.Contents.Value, "**AI rules**") {
				for _, r := range viaLSP.Rules {
					if !strings.Contains(hover.Contents.Value, "`"+r.ID+"`") {
						t.Errorf("hover lacks %s:\n%s", r.ID, hover.Contents.Value)
					}
				}
			}
			for _, r := range viaLSP.Rules {
				formats[r.Format] = true
			}
			// Continue's regex matches App.tsx's content: each path saw the content.
			if rel == filepath.Join("apps", "web", "src", "App.tsx") && !slices.Contains(ruleIDs(viaLSP), "continue/hooks") {
				t.Errorf("the content rule continue/hooks does not apply: %v", ruleIDs(viaLSP))
			}
		})
	}
	// The comparison covers what it claims: the answers draw on many formats at once.
	if len(formats) < 8 {
		t.Errorf("the answers drew on %d formats (%v); the mixed workspace should exercise most", len(formats), formats)
	}
}
