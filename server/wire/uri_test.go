package wire

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// FileURI is what url.URL writes for the path, whether it takes the short way for a
// plain path or not.
func FuzzFileURI(f *testing.F) {
	for _, p := range []string{"/ws/.ai-rules/00-global/a.md", "/a b/c%d.md", "/x/ünï.md", "relative/p", "/", "", "/a:b/c", "/q?x#y", "C:/x"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if strings.HasPrefix(p, "airules-team://") {
			return
		}
		want := filepath.ToSlash(p)
		if len(want) >= 2 && want[1] == ':' {
			want = "/" + want
		}
		u := url.URL{Scheme: "file", Path: want}
		if got := FileURI(p); got != u.String() {
			t.Fatalf("FileURI(%q) = %q, url.URL gives %q", p, got, u.String())
		}
	})
}
