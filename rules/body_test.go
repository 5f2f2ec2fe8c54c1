package rules

import "testing"

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
