package server

import (
	"encoding/json"
	"errors"
	"github.com/airules/airules/server/wire"
	"slices"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func pos(l, c uint32) protocol.Position { return protocol.Position{Line: l, Character: c} }

func TestApplyEdit(t *testing.T) {
	for _, tc := range []struct {
		text       string
		start, end protocol.Position
		newText    string
		want       string
	}{
		{"ab\ncd\n", pos(1, 1), pos(1, 1), "X", "ab\ncXd\n"},
		{"a😀b\n", pos(0, 3), pos(0, 4), "", "a😀\n"},                   // the emoji is two UTF-16 units
		{"ab\r\ncd", pos(0, 5), pos(1, 0), "", "abcd"},                // past the end of a line: its end (CR kept out)
		{"ab", pos(5, 0), pos(5, 0), "!", "ab!"},                      // past the last line: the end
		{"é\nx", pos(0, 0), pos(1, 1), "y", "y"},                      // across lines
		{"---\nkey: v\n", pos(1, 5), pos(1, 6), "w", "---\nkey: w\n"}, // plain
	} {
		got, err := applyEdit(tc.text, protocol.Range{Start: tc.start, End: tc.end}, tc.newText)
		if err != nil || got != tc.want {
			t.Errorf("applyEdit(%q, %v-%v, %q) = %q, %v; want %q", tc.text, tc.start, tc.end, tc.newText, got, err, tc.want)
		}
	}
	if _, err := applyEdit("abc", protocol.Range{Start: pos(0, 2), End: pos(0, 1)}, ""); err == nil {
		t.Error("a reversed range was accepted")
	}
}

func TestURIToPath(t *testing.T) {
	for uri, want := range map[string]string{
		"file:///ws/a%20b.ex":     "/ws/a b.ex",
		"file:///ws/x/../y.ex":    "/ws/y.ex",
		"file://localhost/ws/z":   "/ws/z",
		"FILE:///ws/upper":        "/ws/upper",
		"file:///ws/%E2%82%AC.md": "/ws/€.md",
	} {
		if got, err := uriToPath(uri); err != nil || got != want {
			t.Errorf("uriToPath(%q) = %q, %v; want %q", uri, got, err, want)
		}
	}
	for _, uri := range []string{"untitled:Untitled-1", "git:/a/b.ex?x", "vscode-notebook-cell:/a#b", "file://remote/x"} {
		if _, err := uriToPath(uri); !errors.Is(err, errNotFile) {
			t.Errorf("uriToPath(%q): %v, want errNotFile", uri, err)
		}
	}
	for _, uri := range []string{"", "file://%zz", "file:relative"} {
		if _, err := uriToPath(uri); err == nil || errors.Is(err, errNotFile) {
			t.Errorf("uriToPath(%q): %v, want a malformed-URI error", uri, err)
		}
	}
	if got := wire.FileURI("/ws/a b.ex"); got != "file:///ws/a%20b.ex" {
		t.Errorf("wire.FileURI = %q", got)
	}
	if got := wire.FileURI("C:/ws/x.ex"); got != "file:///C:/ws/x.ex" {
		t.Errorf("wire.FileURI of a drive path = %q", got)
	}
}

func TestValueItems(t *testing.T) {
	texts := func(line string, col int) []string {
		var out []string
		for _, it := range valueItems(line, col) {
			out = append(out, it.text)
		}
		return out
	}
	for _, tc := range []struct {
		line string
		col  int
		want []string
	}{
		{`globs: ["a/**", 'b', c]`, 6, []string{"a/**", "b", "c"}},
		{`globs: *.ts, *.tsx # comment`, 6, []string{"*.ts", "*.tsx"}},
		{`globs: "{lib,priv}/**/*.{ex,exs}"`, 6, []string{"{lib,priv}/**/*.{ex,exs}"}},
		{`globs: {lib,priv}/**, x`, 6, []string{"{lib,priv}/**", "x"}},
		{`  - "lib/**"`, 3, []string{"lib/**"}},
		{`language: [eli`, 9, []string{"eli"}},
		{`description: "unclosed`, 12, []string{"unclosed"}},
	} {
		if got := texts(tc.line, tc.col); !slices.Equal(got, tc.want) {
			t.Errorf("valueItems(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestApplySettings(t *testing.T) {
	cfg, warn := defaultConfig().applySettings(json.RawMessage(`{"airules": {"maxTokens": 500, "hover": "off", "watch": "client",
		"disabledRules": ["a", 3, "b"], "rulesDir": "rules", "logLevel": "debug"}}`))
	if cfg.MaxTokens != 500 || cfg.Hover || cfg.Watch != "client" || !slices.Equal(cfg.DisabledRules, []string{"a", "b"}) ||
		cfg.RulesDir != "rules" || cfg.LogLevel != "debug" || len(warn) != 0 {
		t.Errorf("settings %+v, warnings %v", cfg, warn)
	}
	cfg, warn = cfg.applySettings(json.RawMessage(`{"maxTokens": -1, "hover": true, "watch": "sometimes", "rulesDir": 5}`))
	if cfg.MaxTokens != 500 || !cfg.Hover || cfg.Watch != "client" || cfg.RulesDir != "rules" || len(warn) != 3 {
		t.Errorf("bad values must be ignored with warnings: %+v %v", cfg, warn)
	}
	cfg, _ = cfg.applySettings(json.RawMessage(`{"maxTokens": "1200", "hover": {"enabled": false}}`))
	if cfg.MaxTokens != 1200 || cfg.Hover {
		t.Errorf("string maxTokens / VS Code hover object: %+v", cfg)
	}
	if c2, w := cfg.applySettings(json.RawMessage(`[1]`)); len(w) != 1 || c2.MaxTokens != 1200 {
		t.Errorf("non-object settings: %+v %v", c2, w)
	}
}

func TestRequestID(t *testing.T) {
	for raw, ok := range map[string]bool{`{"id":7}`: true, `{"id":7.0}`: true, `{"id":"abc"}`: true, `{"id":1.5}`: false, `{}`: false, `{"id":null}`: false, `x`: false} {
		if _, got := requestID(json.RawMessage(raw)); got != ok {
			t.Errorf("requestID(%s) ok = %v, want %v", raw, got, ok)
		}
	}
}

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
