package server

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// errNotFile says a URI names no file on disk (untitled:, git:, …). Callers answer
// such documents with "no rules" rather than an error.
var errNotFile = errors.New("not a file: URI")

// uriToPath turns a file: URI into a clean absolute path. It never panics, unlike
// uri.URI.Filename, which panics on the untitled: and git: URIs editors send for
// unsaved and diff buffers.
func uriToPath(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("empty URI")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("malformed URI %q: %w", raw, err)
	}
	if !strings.EqualFold(u.Scheme, "file") {
		return "", fmt.Errorf("%w: %q", errNotFile, raw)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("%w: %q names a remote host", errNotFile, raw)
	}
	p := u.Path
	if p == "" {
		return "", fmt.Errorf("URI %q has no path", raw)
	}
	if runtime.GOOS == "windows" && len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:] // file:///C:/x → C:/x
	}
	p = filepath.Clean(filepath.FromSlash(p))
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("URI %q has a relative path", raw)
	}
	return p, nil
}
