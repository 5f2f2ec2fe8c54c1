package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/airules/airules/server/wire"
)

// writeJSON writes byte for byte what encoding/json's indenting encoder writes, for the
// values the CLI prints, strings that need escaping included.
func TestWriteJSONIsEncodingJSON(t *testing.T) {
	odd := "a <b> & \"c\" \\ \u2028 \x01 é \t\n"
	values := []any{
		wire.RulesResult{Rules: []wire.RuleInfo{{ID: odd, URI: "file:///x%20y", Description: odd, Priority: -3}}, Generation: 7},
		wire.ContextResult{URI: odd, Prompt: odd, Rules: []wire.ContextRule{{ID: "x", Reasons: []string{odd}}}, Omitted: []wire.OmittedRule{}},
		map[string]any{"n": 1.5, "list": []int{}, "nil": nil, "s": odd},
	}
	for _, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		writeJSON(&got, v)
		if got.String() != want.String() {
			t.Errorf("writeJSON\n%s\nencoding/json\n%s", got.String(), want.String())
		}
	}
}

// appendIndented indents any compact JSON as encoding/json's Indent does.
func FuzzAppendIndented(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[],"b":{},"c":[1,{"d":"e"}]}`, `"x"`, `[[[]]]`,
		`{"s":"a \"quoted\" \\ back\\slash, ] } [ { : , inside"}`, `{"u":"\u2028\u00e9","n":-1.5e3,"t":true,"z":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		var compact, want bytes.Buffer
		if err := json.Compact(&compact, in); err != nil {
			t.Fatal(err)
		}
		if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := appendIndented(nil, compact.Bytes()); string(got) != want.String() {
			t.Fatalf("appendIndented(%q)\n%s\nencoding/json\n%s", compact.Bytes(), got, want.Bytes())
		}
	})
}
