package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// sameAsMarshal fails t unless AppendJSON encodes r byte for byte as
// encoding/json.Marshal does, after what is already in the buffer.
func sameAsMarshal(t *testing.T, r ContextResult) {
	t.Helper()
	want, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	got := r.AppendJSON([]byte("prefix"))
	if !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Errorf("AppendJSON:\n got %s\nwant prefix%s", got, want)
	}
}

func TestAppendJSONIsMarshal(t *testing.T) {
	full := ContextResult{
		URI: "file:///ws/a%20b.go", LanguageID: "go",
		Rules: []ContextRule{{
			ID: "00-global/style", URI: "file:///ws/.ai-rules/00-global/style.md", Description: "Style <of> \"Go\" & more",
			Layer: "project", Format: "airules", Priority: -3, Scope: []string{"language", "glob"},
			Reasons: []string{"glob **/*.go", "language go"}, Tokens: 120, Content: "- keep it small\n",
		}, {ID: "b", Scope: nil, Reasons: []string{}}},
		Omitted:     []OmittedRule{{ID: "c", Reason: "duplicate", Tokens: 9, Of: "00-global/style"}, {ID: "d", Reason: "budget"}},
		MoreOmitted: 512,
		Available:   []AvailableRule{{ID: "e", Description: "ask for it", URI: "file:///e.md"}},
		Prompt:      "# AI rules\n\n\t\"quoted\" \\ back\r\n\b\f\x00\x1f\x7f <b>&amp;</b> é 中 😀 \u2028\u2029 \xff\xfe bad \xe2\x80 cut",
		Tokens:      8000, MaxTokens: 8000, Generation: 1<<64 - 1,
		Explain: []ExplainedRule{{ID: "x", Applies: true, Why: "glob"}, {ID: "y", Why: "no glob matched"}},
	}
	for _, tt := range []struct {
		name string
		r    ContextResult
	}{
		{"zero: nil lists are null", ContextResult{}},
		{"empty lists", ContextResult{Rules: []ContextRule{}, Omitted: []OmittedRule{}, Available: []AvailableRule{}, Explain: []ExplainedRule{}}},
		{"every field", full},
		{"a string that ends escaped", ContextResult{Prompt: "ends with <", URI: "\xff"}},
	} {
		t.Run(tt.name, func(t *testing.T) { sameAsMarshal(t, tt.r) })
	}
}

// FuzzAppendJSON holds AppendJSON to encoding/json.Marshal on arbitrary strings (any
// bytes: rule files are untrusted) and numbers in every field.
func FuzzAppendJSON(f *testing.F) {
	f.Add("# AI rules\n\n- keep <it> small & \"quoted\"\n", "00-global/style", "file:///ws/a.go", "glob **/*.go", 120, int64(-1), true)
	f.Add("\xff\xfe\u2028\x00\x1f\x7f\b\f", "", "é 中 😀", "\xe2\x80", 0, int64(0), false)
	f.Fuzz(func(t *testing.T, prompt, id, uri, reason string, tokens int, gen int64, withOf bool) {
		r := ContextResult{
			URI: uri, LanguageID: reason, Prompt: prompt, Tokens: tokens, MaxTokens: -tokens, Generation: uint64(gen), MoreOmitted: tokens / 3,
			Rules: []ContextRule{{ID: id, URI: uri, Description: prompt, Layer: reason, Format: id, Priority: int(gen),
				Scope: []string{reason}, Reasons: []string{reason, id}, Tokens: tokens, Content: reason}},
			Omitted:   []OmittedRule{{ID: id, URI: uri, Description: reason, Reason: prompt, Tokens: tokens}},
			Available: []AvailableRule{{ID: reason, Description: id, URI: prompt}},
		}
		if withOf {
			r.Omitted[0].Of = id
			r.Explain = []ExplainedRule{{ID: id, Applies: tokens > 0, Why: prompt}}
			r.Rules[0].Scope = nil
		}
		sameAsMarshal(t, r)
	})
}

// BenchmarkAppendJSON encodes an answer of the shape of an 8,000-token budget: a
// ~45 KB prompt, 23 rules and 50 omitted ones.
func BenchmarkAppendJSON(b *testing.B) {
	r := ContextResult{URI: "file:///ws/apps/app0/lib/mod0/file.go", LanguageID: "go", Prompt: strings.Repeat("validate library errors code table always never library modules hold validate with .\n", 520)}
	for range 23 {
		r.Rules = append(r.Rules, ContextRule{ID: "30-area/group153/rule07662", URI: "file:///ws/.ai-rules/30-area/group153/rule07662.md",
			Description: "Rule 7662 for go code", Layer: "project", Format: "airules", Priority: 100, Scope: []string{"language"},
			Reasons: []string{"glob apps/*/lib/mod0/**", "language go"}, Tokens: 340})
	}
	for range 50 {
		r.Omitted = append(r.Omitted, OmittedRule{ID: "00-area/group050/rule02518", URI: "file:///ws/.ai-rules/00-area/group050/rule02518.md",
			Description: "Rule 2518 for go code", Reason: "budget", Tokens: 340})
	}
	var buf []byte
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}
