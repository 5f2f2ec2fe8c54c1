package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func pos(l, c uint32) protocol.Position { return protocol.Position{Line: l, Character: c} }

func TestDecodeMessage(t *testing.T) {
	for _, bad := range []string{`not json`, `{"jsonrpc":"1.0","method":"x"}`, `{"jsonrpc":"2.0"}`, `{"jsonrpc":"2.0","id":1.5,"method":"x"}`, `[1,2]`} {
		if _, err := decodeMessage([]byte(bad)); !errors.Is(err, errMalformed) {
			t.Errorf("decodeMessage(%s) = %v, want errMalformed", bad, err)
		}
	}
	m, err := decodeMessage([]byte(`{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1}}`))
	if c, ok := m.(*jsonrpc2.Call); err != nil || !ok || c.ID() != jsonrpc2.NewStringID("a") || c.Method() != "m" || string(c.Params()) != `{"x":1}` {
		t.Errorf("call: %#v %v", m, err)
	}
	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","method":"n"}`))
	if n, ok := m.(*jsonrpc2.Notification); err != nil || !ok || n.Method() != "n" {
		t.Errorf("notification: %#v %v", m, err)
	}
	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"nope"}}`))
	if r, ok := m.(*jsonrpc2.Response); err != nil || !ok || r.ID() != jsonrpc2.NewNumberID(3) || rpcCode(r.Err()) != -32601 {
		t.Errorf("error response: %#v %v", m, err)
	}
	m, err = decodeMessage([]byte(`{"jsonrpc":"2.0","id":4,"result":[1,{"a":"b"}]}`))
	if r, ok := m.(*jsonrpc2.Response); err != nil || !ok || string(r.Result()) != `[1,{"a":"b"}]` {
		t.Errorf("result response: %#v %v", m, err)
	}
}

func TestEncodeResponse(t *testing.T) {
	r, _ := jsonrpc2.NewResponse(jsonrpc2.NewNumberID(7), map[string]int{"a": 1}, nil)
	b, err := encodeResponse(r)
	if err != nil || string(b) != `{"jsonrpc":"2.0","result":{"a":1},"id":7}` {
		t.Errorf("result: %s %v", b, err)
	}
	r, _ = jsonrpc2.NewResponse(jsonrpc2.NewStringID("x"), nil, errors.New("plain"))
	b, _ = encodeResponse(r)
	if string(b) != `{"jsonrpc":"2.0","error":{"code":-32603,"message":"plain"},"id":"x"}` {
		t.Errorf("plain error gets a real code: %s", b)
	}
}

// A packed result reaches the wire as the frame of its JSON, small or larger than the
// buffers the stream keeps, and unpacks to it for a caller that bypasses the stream.
func TestWriteResultUnpacks(t *testing.T) {
	for _, size := range []int{10, 70 << 10, 3 << 20} {
		result := `{"prompt":"` + strings.Repeat("rule text ", size/10) + `"}`
		p, _ := pack([]byte(result), nil)
		var out bytes.Buffer
		f := newFrameStream(writeOnly{Reader: strings.NewReader(""), Writer: &out})
		for range 2 { // the second write reuses the buffers
			out.Reset()
			if err := f.writeResult(jsonrpc2.NewNumberID(3), p); err != nil {
				t.Fatalf("%d bytes: %v", size, err)
			}
		}
		want := fmt.Sprintf("Content-Length: %d\r\n\r\n", len(result)+len(`{"jsonrpc":"2.0","result":,"id":3}`)) + `{"jsonrpc":"2.0","result":` + result + `,"id":3}`
		if out.String() != want {
			t.Errorf("%d bytes: frame %.80q, want %.80q", size, out.String(), want)
		}
		if j, err := p.MarshalJSON(); err != nil || string(j) != result {
			t.Errorf("%d bytes: MarshalJSON %.80q, %v", size, j, err)
		}
		// A fresh answer (a miss, not packed yet) is framed the same.
		out.Reset()
		if err := f.writeEncoded(jsonrpc2.NewNumberID(3), []byte(result)); err != nil || out.String() != want {
			t.Errorf("%d bytes: fresh frame %.80q, %v; want %.80q", size, out.String(), err, want)
		}
	}
	if err := newFrameStream(writeOnly{Reader: strings.NewReader(""), Writer: io.Discard}).writeResult(jsonrpc2.NewNumberID(1), packed("not s2")); err == nil {
		t.Error("a damaged packed answer was written")
	}
}

// writeOnly is a stream with nothing to read.
type writeOnly struct {
	io.Reader
	io.Writer
}

func (writeOnly) Close() error { return nil }
