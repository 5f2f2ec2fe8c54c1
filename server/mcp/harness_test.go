package mcp

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/index"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

const example = "../../testdata/example"

// env is one airules MCP server on a workspace with one client session.
type env struct {
	t       *testing.T
	root    string
	srv     *Server
	cs      *sdk.ClientSession
	changed chan struct{} // notifications/resources/list_changed
	updated chan string   // notifications/resources/updated (URI)
}

// setup configures an env before it starts.
type setup struct {
	userDir  string            // the user's rules folder
	protocol string            // the protocol version the client asks for ("": the SDK's latest)
	dbPath   string            // "": a buntdb file in a temp folder
	logger   *zap.Logger       // nil: none
	prepare  func(root string) // edits the workspace before the server starts
}

// copyExample copies the example workspace into a temp folder and returns its path.
func copyExample(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := copyInto(example, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// copyInto copies the tree src into the folder dst.
func copyInto(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// start serves a copy of the example workspace (edited by s.prepare) and connects a
// client over the SDK's in-memory transport.
func start(t *testing.T, s setup) *env {
	t.Helper()
	root := copyExample(t)
	if s.prepare != nil {
		s.prepare(root)
	}
	if s.dbPath == "" {
		s.dbPath = filepath.Join(t.TempDir(), "index.db")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	srv, err := New(ctx, Options{
		Index:   index.Options{Root: root, DBPath: s.dbPath, UserRulesDir: s.userDir, Logger: s.logger},
		Version: "test", Logger: s.logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	e := &env{t: t, root: root, srv: srv, changed: make(chan struct{}, 64), updated: make(chan string, 64)}
	st, ct := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	client := sdk.NewClient(&sdk.Implementation{Name: "test-client", Version: "1"}, &sdk.ClientOptions{
		ResourceListChangedHandler: func(context.Context, *sdk.ResourceListChangedRequest) {
			select {
			case e.changed <- struct{}{}:
			default: // one pending notification is as good as many
			}
		},
		ResourceUpdatedHandler: func(_ context.Context, r *sdk.ResourceUpdatedNotificationRequest) {
			select {
			case e.updated <- r.Params.URI:
			default:
			}
		},
	})
	cs, err := client.Connect(ctx, ct, &sdk.ClientSessionOptions{ProtocolVersion: s.protocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	e.cs = cs
	return e
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// call calls a tool and fails the test on a protocol error (a tool error is a result).
func (e *env) call(name string, args map[string]any) *sdk.CallToolResult {
	e.t.Helper()
	res, err := e.cs.CallTool(e.ctx(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	return res
}

// callOK calls a tool that must succeed and decodes its structured content into out.
func (e *env) callOK(name string, args map[string]any, out any) string {
	e.t.Helper()
	res := e.call(name, args)
	if res.IsError {
		e.t.Fatalf("%s %v: tool error %q", name, args, text(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		e.t.Fatalf("%s: structured content %s: %v", name, raw, err)
	}
	return text(res)
}

// text joins a result's text content.
func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// waitChanged waits for a list_changed notification, with a deadline.
func (e *env) waitChanged(what string) {
	e.t.Helper()
	select {
	case <-e.changed:
	case <-time.After(20 * time.Second):
		e.t.Fatalf("no notifications/resources/list_changed after %s", what)
	}
}

// waitChangedUntil waits for a list_changed notification, then for more while cond
// does not hold yet: a burst of writes may be reindexed, and notified, in steps.
func (e *env) waitChangedUntil(what string, cond func() bool) {
	e.t.Helper()
	e.waitChanged(what)
	for !cond() {
		e.waitChanged(what)
	}
}

// drain empties the notification channels (a burst may notify more than once).
func (e *env) drain() {
	for {
		select {
		case <-e.changed:
		case <-e.updated:
		default:
			return
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
