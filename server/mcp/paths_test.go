package mcp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFence(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "ws")
	shared := filepath.Join(base, "shared-rules") // the rules root, linked in from outside
	user := filepath.Join(base, "user-rules")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "lib"), shared, user, outside} {
		must(t, os.MkdirAll(d, 0o755))
	}
	writeFile(t, filepath.Join(shared, "a.md"), "x")
	writeFile(t, filepath.Join(user, "u.md"), "x")
	writeFile(t, filepath.Join(outside, "s.ex"), "x")
	must(t, os.Symlink(shared, filepath.Join(root, ".ai-rules")))
	must(t, os.Symlink(filepath.Join(outside, "s.ex"), filepath.Join(root, "lib", "s.ex")))
	must(t, os.Symlink(filepath.Join(root, "lib", "loop"), filepath.Join(root, "lib", "loop")))
	link := filepath.Join(base, "ws-link") // the workspace reached through a link
	must(t, os.Symlink(root, link))

	f := newFence(link, filepath.Join(link, ".ai-rules"), user)
	tests := []struct {
		name        string
		path        string
		ruleSources bool
		rel         string // "" with err
		err         string
	}{
		{"relative", "lib/a.ex", false, "lib/a.ex", ""},
		{"the root itself", ".", false, ".", ""},
		{"absolute through the link", filepath.Join(link, "lib", "a.ex"), false, "lib/a.ex", ""},
		{"absolute real path", filepath.Join(root, "lib", "a.ex"), false, "lib/a.ex", ""},
		{"a rule in the linked rules root, for lint", ".ai-rules/a.md", true, ".ai-rules/a.md", ""},
		{"the linked rules root, for context", ".ai-rules/a.md", false, "", "through a symbolic link"},
		{"a user rule, for lint", filepath.Join(user, "u.md"), true, "", ""},
		{"a user rule, for context", filepath.Join(user, "u.md"), false, "", "outside the workspace"},
		{"outside", filepath.Join(outside, "s.ex"), true, "", "outside the workspace"},
		{"a file link out", "lib/s.ex", true, "", "through a symbolic link"},
		{"a link loop", "lib/loop", false, "", "cannot resolve"},
		{"dot-dot", "lib/../../outside/s.ex", false, "", "contains '..'"},
		{"a file URI", "file://" + filepath.ToSlash(filepath.Join(link, "lib", "a b.ex")), false, "lib/a b.ex", ""},
		{"an escaped file URI", "file://" + filepath.ToSlash(link) + "/lib/a%20b.ex", false, "lib/a b.ex", ""},
		{"a file URI outside", "file:///etc/passwd", false, "", "outside the workspace"},
		{"a remote file URI", "file://host/share/x", false, "", "not a local file URI"},
		{"NUL", "lib/a\x00.ex", false, "", "NUL"},
		{"blank", "  ", false, "", "path is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := f.resolve(tt.path, tt.ruleSources)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Errorf("refused: %v", err)
			case r.rel != tt.rel:
				t.Errorf("rel %q, want %q", r.rel, tt.rel)
			case tt.rel != "" && r.abs != filepath.Join(link, filepath.FromSlash(tt.rel)):
				t.Errorf("abs %q is not under the index's root %s", r.abs, link)
			}
		})
	}
}

// FuzzFence: whatever path a client sends, an accepted one lies inside the workspace
// (or, for lint, a rule source), lexically and after links, and its rel has no "..".
func FuzzFence(f *testing.F) {
	for _, seed := range []string{"lib/a.ex", "../x", "/etc/passwd", "lib/out/s.ex", "lib/./a.ex", "./", "//", "lib//a", "a/../../b", "\x00", "lib/out", "…/é"} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	base := f.TempDir()
	root := filepath.Join(base, "ws")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "lib"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "lib", "out")); err != nil {
		f.Fatal(err)
	}
	fe := newFence(root, filepath.Join(root, ".ai-rules"), "")
	f.Fuzz(func(t *testing.T, p string, ruleSources bool) {
		r, err := fe.resolve(p, ruleSources)
		if err != nil {
			return
		}
		if _, ok := relUnder(root, r.abs); !ok {
			t.Fatalf("%q accepted as %q, outside %s", p, r.abs, root)
		}
		real, err := evalExisting(r.abs)
		if err != nil {
			t.Fatalf("%q accepted but does not resolve: %v", p, err)
		}
		if _, ok := relUnder(root, real); !ok {
			t.Fatalf("%q accepted; it leads to %q", p, real)
		}
		for _, part := range strings.Split(r.rel, "/") {
			if part == ".." {
				t.Fatalf("%q accepted with rel %q", p, r.rel)
			}
		}
	})
}
