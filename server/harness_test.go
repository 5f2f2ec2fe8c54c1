package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The harness is a fake editor: a raw jsonrpc2 client connection over net.Pipe to a
// real server (Run), with a real index on a real temporary workspace. Its handler
// records what the server sends and answers the server's own requests like an editor.

// editor is the client end of one session.
type editor struct {
	t    testing.TB
	conn jsonrpc2.Conn
	root string
	rec  *recorder
	srv  *session // the in-process server, for white-box checks
	done chan runResult
	ctx  context.Context

	closed bool
}

type runResult struct {
	code int
	err  error
}

// recorder keeps what the server sent; waiters poll it under a deadline.
type recorder struct {
	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every event
	diags        map[string][]protocol.Diagnostic
	diagCount    map[string]int
	generations  []uint64
	progress     []map[string]any
	creates      int
	registered   []json.RawMessage
	unregistered int
	config       any // the answer to workspace/configuration
	logs         []logMessage
}

// logMessage is one window/logMessage the server sent.
type logMessage struct {
	Type    int    `json:"type"`
	Message string `json:"message"`
}

func newRecorder() *recorder {
	return &recorder{changed: make(chan struct{}), diags: map[string][]protocol.Diagnostic{}, diagCount: map[string]int{}}
}

func (r *recorder) event(fn func()) {
	r.mu.Lock()
	fn()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// waitFor polls cond (under the recorder's lock) until it holds or timeout passes.
func (r *recorder) waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func (r *recorder) handler(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	switch req.Method() {
	case "textDocument/publishDiagnostics":
		var p protocol.PublishDiagnosticsParams
		if err := json.Unmarshal(req.Params(), &p); err == nil {
			r.event(func() {
				r.diags[string(p.URI)] = p.Diagnostics
				r.diagCount[string(p.URI)]++
			})
		}
	case "airules/indexChanged":
		var p struct {
			Generation uint64 `json:"generation"`
		}
		if err := json.Unmarshal(req.Params(), &p); err == nil {
			r.event(func() { r.generations = append(r.generations, p.Generation) })
		}
	case "window/logMessage":
		var m logMessage
		if err := json.Unmarshal(req.Params(), &m); err == nil {
			r.event(func() { r.logs = append(r.logs, m) })
		}
	case "$/progress":
		var p struct {
			Token any            `json:"token"`
			Value map[string]any `json:"value"`
		}
		if err := json.Unmarshal(req.Params(), &p); err == nil {
			p.Value["_token"] = fmt.Sprint(p.Token) // the value's own keys never start with _
			r.event(func() { r.progress = append(r.progress, p.Value) })
		}
	case "window/workDoneProgress/create":
		r.event(func() { r.creates++ })
		return reply(ctx, nil, nil)
	case "client/registerCapability":
		r.event(func() { r.registered = append(r.registered, append(json.RawMessage(nil), req.Params()...)) })
		return reply(ctx, nil, nil)
	case "client/unregisterCapability":
		r.event(func() { r.unregistered++ })
		return reply(ctx, nil, nil)
	case "workspace/configuration":
		r.mu.Lock()
		cfg := r.config
		r.mu.Unlock()
		return reply(ctx, []any{cfg}, nil)
	}
	return reply(ctx, nil, nil)
}

// sessionOptions tune a harness session.
type sessionOptions struct {
	initOptions map[string]any
	caps        map[string]any
	setup       func(*session)
	noInit      bool // connect only
	debounce    time.Duration
	logger      *zap.Logger // default testLogger()
	logToClient bool
	// fastClient frames the client's messages with the server's frameStream instead
	// of jsonrpc2's stream, whose 32 KB buffer per message would make the client's
	// garbage, not the server's work, drive the GC of the shared process in
	// benchmarks. Functional tests keep jsonrpc2's own stream: an independent client.
	fastClient bool
}

// defaultCaps are the capabilities of a capable editor.
func defaultCaps() map[string]any {
	return map[string]any{
		"window":    map[string]any{"workDoneProgress": true},
		"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}, "workspaceFolders": true},
		"textDocument": map[string]any{
			"hover":      map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
			"completion": map[string]any{"completionItem": map[string]any{"snippetSupport": true}},
			// A shape the Go protocol types reject: initialize must still succeed.
			"semanticTokens": map[string]any{"requests": map[string]any{"range": map[string]any{}, "full": map[string]any{"delta": true}}},
		},
	}
}

// testLogger logs warnings and worse to stderr: a test's t.Log cannot be used by
// goroutines that may outlive the test.
func testLogger() *zap.Logger {
	if !testing.Verbose() {
		return zap.NewNop()
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(os.Stderr), zapcore.WarnLevel))
}

// start runs a server on root and initializes it.
func start(t testing.TB, root string, so sessionOptions) *editor {
	t.Helper()
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	e := &editor{t: t, root: root, rec: newRecorder(), done: make(chan runResult, 1), ctx: ctx}
	srvCh := make(chan *session, 1)
	setup := func(s *session) {
		s.handlers[barrierMethod] = barrier
		if so.setup != nil {
			so.setup(s)
		}
		srvCh <- s
	}
	log := so.logger
	if log == nil {
		log = testLogger()
	}
	opts := Options{Logger: log, DBPath: ":memory:", UserRulesDir: "-", Debounce: so.debounce, setup: setup, LogToClient: so.logToClient}
	go func() {
		code, err := Run(ctx, a, opts)
		e.done <- runResult{code, err}
	}()
	e.srv = <-srvCh
	var clientStream jsonrpc2.Stream = jsonrpc2.NewStream(b)
	if so.fastClient {
		clientStream = newFrameStream(b)
	}
	e.conn = jsonrpc2.NewConn(clientStream)
	e.conn.Go(ctx, e.rec.handler)
	t.Cleanup(func() {
		if !e.closed {
			_ = e.call("shutdown", nil, nil)
			_ = e.conn.Notify(context.Background(), "exit", nil)
			select {
			case <-e.done:
			case <-time.After(10 * time.Second):
				t.Errorf("server did not exit")
			}
		}
		cancel()
		_ = e.conn.Close()
	})
	if so.noInit {
		return e
	}
	caps := so.caps
	if caps == nil {
		caps = defaultCaps()
	}
	params := map[string]any{
		"processId":        os.Getpid(),
		"rootUri":          wire.FileURI(root),
		"workspaceFolders": []map[string]any{{"uri": wire.FileURI(root), "name": filepath.Base(root)}},
		"capabilities":     caps,
		"clientInfo":       map[string]any{"name": "airules-harness"},
	}
	if so.initOptions != nil {
		params["initializationOptions"] = so.initOptions
	}
	var res struct {
		Capabilities map[string]any `json:"capabilities"`
		ServerInfo   struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"serverInfo"`
	}
	if err := e.call("initialize", params, &res); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if res.ServerInfo.Name != "airules" {
		t.Fatalf("serverInfo = %+v", res.ServerInfo)
	}
	if err := e.conn.Notify(ctx, "initialized", map[string]any{}); err != nil {
		t.Fatalf("initialized: %v", err)
	}
	return e
}

// barrierMethod answers once the server has served every message sent before it and
// sent every publication those caused (gopls's AfterChange, for this harness).
const barrierMethod = "airules/test.barrier"

// barrier is served on the queue, so after every message sent before it; its answer
// waits behind the publications those messages put in the outbox.
func barrier(_ context.Context, s *session, _ json.RawMessage) (any, error) {
	flushed := make(chan struct{})
	s.outbox.push(func() { close(flushed) })
	return later(func() (any, error) {
		select {
		case <-flushed:
			return nil, nil
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		}
	}), nil
}

// afterChange waits until the server has processed everything sent so far and the
// client has received what that published.
func (e *editor) afterChange() {
	e.t.Helper()
	if err := e.call(barrierMethod, nil, nil); err != nil {
		e.t.Fatalf("barrier: %v", err)
	}
}

// call sends a request and decodes the result.
func (e *editor) call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	_, err := e.conn.Call(ctx, method, params, result)
	return err
}

func (e *editor) notify(method string, params any) {
	e.t.Helper()
	if err := e.conn.Notify(e.ctx, method, params); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
}

// waitReady waits until the first index answered (airules/indexChanged arrived).
func (e *editor) waitReady() {
	e.t.Helper()
	e.rec.waitFor(e.t, 20*time.Second, "the first airules/indexChanged", func() bool { return len(e.rec.generations) > 0 })
}

// exit ends the session the LSP way and returns the exit code.
func (e *editor) exit(withShutdown bool) runResult {
	e.t.Helper()
	if withShutdown {
		if err := e.call("shutdown", nil, nil); err != nil {
			e.t.Fatalf("shutdown: %v", err)
		}
	}
	e.notify("exit", nil)
	e.closed = true
	select {
	case r := <-e.done:
		return r
	case <-time.After(10 * time.Second):
		e.t.Fatalf("no exit within 10s")
	}
	return runResult{}
}

func (e *editor) uri(rel string) string {
	return wire.FileURI(filepath.Join(e.root, filepath.FromSlash(rel)))
}

func (e *editor) open(rel, lang, text string) string {
	uri := e.uri(rel)
	e.openURI(uri, lang, text)
	return uri
}

func (e *editor) openURI(uri, lang, text string) {
	e.notify("textDocument/didOpen", map[string]any{
		"textDocument": map[string]any{"uri": uri, "languageId": lang, "version": 1, "text": text},
	})
}

func (e *editor) change(uri string, version int, text string) {
	e.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []map[string]any{{"text": text}},
	})
}

func (e *editor) context(uri string, extra map[string]any) (wire.ContextResult, error) {
	params := map[string]any{"textDocument": map[string]any{"uri": uri}}
	for k, v := range extra {
		params[k] = v
	}
	var res wire.ContextResult
	err := e.call("airules/context", params, &res)
	return res, err
}

func (e *editor) hover(uri string, line, char int) string {
	e.t.Helper()
	var h *protocol.Hover
	err := e.call("textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"position":     map[string]any{"line": line, "character": char},
	}, &h)
	if err != nil {
		e.t.Fatalf("hover: %v", err)
	}
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

// waitDiagnostics waits until the diagnostics of uri satisfy cond.
func (e *editor) waitDiagnostics(uri, what string, cond func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	e.t.Helper()
	var got []protocol.Diagnostic
	e.rec.waitFor(e.t, 10*time.Second, what, func() bool {
		d, ok := e.rec.diags[uri]
		got = d
		return ok && cond(d)
	})
	return got
}

func hasCode(ds []protocol.Diagnostic, code string) *protocol.Diagnostic {
	for i := range ds {
		if ds[i].Code == code {
			return &ds[i]
		}
	}
	return nil
}

// rpcCode extracts the JSON-RPC code of an error.
func rpcCode(err error) jsonrpc2.Code {
	var we *jsonrpc2.Error
	if errors.As(err, &we) {
		return we.Code
	}
	return 0
}

// copyExample copies testdata/example into a temporary folder tests may write.
func copyExample(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("..", "testdata", "example")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
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
	if err != nil {
		t.Fatalf("copy example: %v", err)
	}
	// Resolve symlinks (macOS /var → /private/var) so paths compare equal.
	if r, err := filepath.EvalSymlinks(dst); err == nil {
		dst = r
	}
	return dst
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(fmt.Sprint(err))
	}
	return string(b)
}

// writeFileAtomic writes a temporary file and renames it over path.
func writeFileAtomic(t testing.TB, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	writeFile(t, tmp, text)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
