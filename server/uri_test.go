package server

import (
	"errors"
	"testing"

	"github.com/airules/airules/server/wire"
)

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
