package wire

import (
	"net/url"
	"path/filepath"
	"strings"
)

// FileURI turns an absolute path into a file:// URI.
func FileURI(path string) string {
	if strings.HasPrefix(path, "airules-team://") {
		return path // a team rule's path is its URI already
	}
	p := filepath.ToSlash(path)
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + p // a Windows drive: file:///C:/x, not file://C:/x
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}
