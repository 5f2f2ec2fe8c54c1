package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// rawClient talks to a server over OS pipes with hand-framed bytes, so a test can send
// what no JSON-RPC library would.
type rawClient struct {
	t    *testing.T
	w    *os.File
	msgs chan map[string]any
	done chan runResult
}

type pipeRWC struct {
	r *os.File
	w *os.File
}

func (p pipeRWC) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipeRWC) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeRWC) Close() error {
	p.r.Close()
	return p.w.Close()
}

func startRaw(t *testing.T, opts Options) *rawClient {
	t.Helper()
	sr, cw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cr, sw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger, opts.DBPath, opts.UserRulesDir = testLogger(), ":memory:", "-"
	c := &rawClient{t: t, w: cw, msgs: make(chan map[string]any, 64), done: make(chan runResult, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		code, err := Run(ctx, pipeRWC{sr, sw}, opts)
		c.done <- runResult{code, err}
	}()
	go c.readLoop(bufio.NewReader(cr))
	t.Cleanup(func() {
		cw.Close()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			t.Errorf("server did not end")
		}
		cancel()
		cr.Close()
	})
	return c
}

func (c *rawClient) readLoop(in *bufio.Reader) {
	defer close(c.msgs)
	for {
		length := -1
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(in, body); err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			m = map[string]any{"unparsable": string(body)}
		}
		c.msgs <- m
	}
}

func (c *rawClient) send(body string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next message that is not a notification from the server.
func (c *rawClient) next() map[string]any {
	c.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatal("connection closed")
			}
			if _, isCall := m["method"]; isCall {
				continue
			}
			return m
		case <-deadline:
			c.t.Fatal("no answer")
		}
	}
}

func errorOf(m map[string]any) (float64, any, string) {
	e, _ := m["error"].(map[string]any)
	code, _ := e["code"].(float64)
	msg, _ := e["message"].(string)
	return code, m["id"], msg
}

// TestUndispatchableRequestsAreAnswered is row 6 of the hostile-repository table:
// every message that cannot be dispatched gets the error JSON-RPC 2.0 asks for, and
// the connection goes on.
func TestUndispatchableRequestsAreAnswered(t *testing.T) {
	c := startRaw(t, Options{})
	for _, tc := range []struct {
		body string
		code float64
		id   any // nil: null
	}{
		{`{"jsonrpc":"2.0","id":1,"method":""}`, -32600, 1.0},
		{`{"jsonrpc":"2.0","method":""}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":1.5,"method":"x"}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":{},"method":"x"}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":1e20,"method":"x"}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":[1],"method":"x"}`, -32600, nil},
		{`{"jsonrpc":"2.0","id":"s","method":5}`, -32600, "s"},
		{`{"jsonrpc":"1.0","id":2,"method":"x"}`, -32600, 2.0},
		{`{"jsonrpc":"2.0","id":3}`, -32600, 3.0},
		{`not json`, -32700, nil},
		{`{"jsonrpc":"2.0","id":4,"method":"x"`, -32700, nil},
		{`42`, -32600, nil},
		{`[{"jsonrpc":"2.0","id":5,"method":"shutdown"}]`, -32600, nil},
		{`[]`, -32600, nil},
	} {
		c.send(tc.body)
		m := c.next()
		code, id, msg := errorOf(m)
		if code != tc.code || id != tc.id || msg == "" {
			t.Errorf("%s: answer %v, want code %v id %v", tc.body, m, tc.code, tc.id)
		}
	}
	// A malformed answer to a call of ours is not answered; the next request is.
	c.send(`{"jsonrpc":"2.0","id":1.5,"result":null}`)
	c.send(`{"jsonrpc":"2.0","id":7,"method":"airules/none"}`)
	if m := c.next(); m["id"] != 7.0 {
		t.Errorf("answer %v, want the one to id 7", m)
	}
}

// TestOversizedMessageIsNotRead is row 10: a message over MaxMessageSize is refused
// with an error, skipped as it arrives instead of being read into memory, and the
// connection goes on.
func TestOversizedMessageIsNotRead(t *testing.T) {
	c := startRaw(t, Options{MaxMessageSize: 1 << 20})
	c.send(`{"jsonrpc":"2.0","id":1,"method":"airules/none"}`)
	c.next()
	const size = 64 << 20
	body := []byte(`{"jsonrpc":"2.0","id":2,"method":"x","params":"` + strings.Repeat("a", size) + `"}`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := fmt.Fprintf(c.w, "Content-Length: %d\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.w.Write(body); err != nil {
		t.Fatal(err)
	}
	m := c.next()
	runtime.ReadMemStats(&after)
	if code, id, msg := errorOf(m); code != -32600 || id != nil || !strings.Contains(msg, "limit") {
		t.Errorf("answer %v", m)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > size/4 {
		t.Errorf("%d MiB allocated while a %d MiB message was refused", grown>>20, size>>20)
	}
	c.send(`{"jsonrpc":"2.0","id":3,"method":"airules/none"}`)
	if m := c.next(); m["id"] != 3.0 {
		t.Errorf("answer %v, want the one to id 3", m)
	}
}

// heapHeld is the memory the Go heap holds from the OS: what it has mapped minus what
// it has handed back. (The process RSS would also count the race detector's shadow
// memory, which no runtime call releases.)
func heapHeld() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapSys - m.HeapReleased)
}

// TestHugeDocumentIsReleased is the second half of row 10: after a huge document is
// opened and closed, the memory it took goes back to the OS (with 50 MB, 358 MB of RSS
// used to stay until the next GC cycle, which an idle server does not run for minutes).
func TestHugeDocumentIsReleased(t *testing.T) {
	root := t.TempDir()
	e := start(t, root, sessionOptions{fastClient: true})
	e.waitReady()
	runtime.GC()
	debug.FreeOSMemory()
	base := heapHeld()
	text := strings.Repeat("- a line of a huge rule file\n", (24<<20)/29)
	uri := e.open(".ai-rules/huge.md", "markdown", text)
	text = ""
	_ = e.call("airules/none", nil, nil) // served after the open: the queue is in order
	peak := heapHeld()
	// The harness's client shares this process: its copies of the message are garbage
	// now, and collected here, so what follows measures what the server lets go.
	runtime.GC()
	e.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	_ = e.call("airules/none", nil, nil)
	deadline := time.Now().Add(10 * time.Second)
	for heapHeld() > base+32<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("heap holds %d MiB after close, %d MiB before the open, %d MiB open", heapHeld()>>20, base>>20, peak>>20)
		}
		time.Sleep(10 * time.Millisecond) // polling a real condition, with a deadline
	}
	t.Logf("heap holds %d MiB before, %d MiB with the document open, %d MiB after close", base>>20, peak>>20, heapHeld()>>20)
}

// FuzzDecodeMessage: any body decodes to a message or to a badMessage saying how to
// answer it, never a panic, and the answer it gives is valid JSON-RPC.
func FuzzDecodeMessage(f *testing.F) {
	for _, s := range []string{`{"jsonrpc":"2.0","id":1,"method":"m","params":{}}`, `{"jsonrpc":"2.0","method":""}`,
		`{"jsonrpc":"2.0","id":1e20,"method":"x"}`, `[{"jsonrpc":"2.0"}]`, `{"jsonrpc":"2.0","id":3,"result":null}`, `nope`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, err := decodeMessage(body)
		if err == nil {
			if msg == nil {
				t.Fatal("no message and no error")
			}
			return
		}
		var bad *badMessage
		if !errors.As(err, &bad) {
			t.Fatalf("error %v is not a badMessage", err)
		}
		if bad.answer && bad.code != jsonrpc2.ParseError && bad.code != jsonrpc2.InvalidRequest {
			t.Fatalf("answer code %d", bad.code)
		}
		var sink strings.Builder
		fs := &frameStream{rwc: nopRWC{&sink}}
		if err := fs.writeError(bad.id, bad.code, bad.msg); err != nil {
			t.Fatal(err)
		}
		_, reply, _ := strings.Cut(sink.String(), "\r\n\r\n")
		var m struct {
			Version string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Error   struct{ Code int }
		}
		if err := json.Unmarshal([]byte(reply), &m); err != nil || m.Version != "2.0" || len(m.ID) == 0 || m.Error.Code == 0 {
			t.Fatalf("answer %q: %v", reply, err)
		}
	})
}

type nopRWC struct{ w io.Writer }

func (n nopRWC) Read([]byte) (int, error)    { return 0, io.EOF }
func (n nopRWC) Write(b []byte) (int, error) { return n.w.Write(b) }
func (n nopRWC) Close() error                { return nil }
