package rules

import (
	"strings"
	"testing"
)

// BodyAt cuts what Parse finds: for files with and without frontmatter, a byte-order
// mark, CRLF and lone CR breaks, and a closing line without a newline.
func TestBodyAtIsParsedBody(t *testing.T) {
	for _, text := range []string{
		"---\ndescription: d\n---\n\n# Body\n\ntext\n",
		"\ufeff---\r\ndescription: d\r\n---\r\nbody\r\nmore\r\n",
		"---\rdescription: d\r---\rbody\r",
		"  \n---\ndescription: d\n---",
		"no frontmatter at all\n",
		"---\ndescription: [unclosed\n---\nbody\n",
		"---\ndescription: d\n",
		"",
	} {
		r := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
		got := BodyAt([]byte(text), r.BodyLine)
		if got != r.Body {
			t.Errorf("%q: BodyAt %q, Parse %q", text, got, r.Body)
		}
		if BodySumOf(got) != r.BodySum() {
			t.Errorf("%q: sums differ", text)
		}
	}
}

func FuzzBodyAt(f *testing.F) {
	f.Add("---\ndescription: d\n---\nbody\n")
	f.Add("\ufeff---\r\na: 1\r\n---\r\nx")
	f.Fuzz(func(t *testing.T, text string) {
		r := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
		if r.Unreadable() { // binary or too large: no body, and never restored with one
			return
		}
		if got := BodyAt([]byte(text), r.BodyLine); got != r.Body {
			t.Fatalf("%q: BodyAt %q, Parse %q", text, got, r.Body)
		}
	})
}

// A parsed rule that forgets its body keeps its identity and its count; counting reads
// the body without keeping it, and rendering reads it once and keeps it.
func TestForgetBody(t *testing.T) {
	text := "---\ndescription: d\n---\n# Title\n\nDo the thing.\n"
	kept := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
	r := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
	reads := 0
	r.ForgetBody(func(r *Rule) string {
		reads++
		return BodyAt([]byte(text), r.BodyLine)
	})
	if r.Body != "" || reads != 0 {
		t.Fatalf("body %q after %d reads", r.Body, reads)
	}
	if r.BodySum() != kept.BodySum() || r.RestoredBodySum() != kept.BodySum() || reads != 0 {
		t.Fatalf("identity %q, want %q (%d reads)", r.BodySum(), kept.BodySum(), reads)
	}
	if n := r.Tokens(); n != kept.Tokens() || reads != 1 {
		t.Fatalf("count %d after %d reads, want %d after 1", n, reads, kept.Tokens())
	}
	for range 2 {
		if got := r.Text(); got != kept.Body {
			t.Fatalf("text %q, want %q", got, kept.Body)
		}
	}
	if reads != 2 {
		t.Fatalf("%d reads: counting kept the body, or rendering did not", reads)
	}
	r.ForgetBody(func(*Rule) string { t.Fatal("a second ForgetBody took over"); return "" })
	if r.Text() != kept.Body {
		t.Fatal("a second ForgetBody changed the body")
	}
}

// A rule given a way to pass its body counts and bounds with the passed body, which it
// does not keep, and falls back to its loader when passing cannot; rendering loads.
func TestPassBodyWith(t *testing.T) {
	text := "---\ndescription: d\n---\n# Title\n\nDo the thing, and the other thing.\n"
	kept := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
	r := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
	loads, passes := 0, 0
	r.ForgetBody(func(r *Rule) string {
		loads++
		return BodyAt([]byte(text), r.BodyLine)
	})
	can := true
	r.PassBodyWith(func(r *Rule, use func(string)) bool {
		if !can {
			return false
		}
		passes++
		use(BodyAt([]byte(text), r.BodyLine))
		return true
	})
	if got, want := string(r.AppendSection([]byte("> "))), "> "+kept.SectionText(); got != want || passes != 1 || loads != 0 {
		t.Fatalf("section %q after %d passes, %d loads; want %q after 1, 0", got, passes, loads, want)
	}
	if n := r.Tokens(); n != kept.Tokens() || passes != 2 || loads != 0 {
		t.Fatalf("count %d after %d passes, %d loads; want %d after 2, 0", n, passes, loads, kept.Tokens())
	}
	can = false
	if got := r.SectionText(); got != kept.SectionText() || loads != 1 {
		t.Fatalf("section %q after %d loads; want %q after 1", got, loads, kept.SectionText())
	}
	if got := r.Text(); got != kept.Body || loads != 2 {
		t.Fatalf("text %q after %d loads; want %q after 2", got, loads, kept.Body)
	}
	can = true
	_ = r.SectionText()
	if passes != 2 {
		t.Fatal("a rule that keeps its body passed it")
	}
}

// A restored rule gives back the identity it was restored with, from its raw form; one
// restored with an unusable identity gives none, and computes its own from the body.
func TestRestoredBodySum(t *testing.T) {
	text := "---\ndescription: d\n---\nDo the thing.\n"
	kept := Parse(Source{Path: "/x.md", ID: "x"}, []byte(text))
	load := func(r *Rule) string { return BodyAt([]byte(text), r.BodyLine) }
	for _, tt := range []struct{ sum, want string }{
		{kept.BodySum(), kept.BodySum()},
		{strings.ToUpper(kept.BodySum()), kept.BodySum()}, // hex either case
		{"not hex", ""},
		{"", ""},
	} {
		r := &Rule{Source: kept.Source, BodyLine: kept.BodyLine}
		r.RestoreBody(load, tt.sum)
		if got := r.RestoredBodySum(); got != tt.want {
			t.Errorf("restored with %q: %q, want %q", tt.sum, got, tt.want)
		}
		if got := r.BodySum(); got != kept.BodySum() {
			t.Errorf("restored with %q: identity %q, want %q", tt.sum, got, kept.BodySum())
		}
	}
}
