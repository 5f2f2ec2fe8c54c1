package wire

import (
	"net/url"
	"path/filepath"
)

// FileURI turns an absolute path into a file:// URI.
func FileURI(path string) string {
	p := filepath.ToSlash(path)
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + p // a Windows drive: file:///C:/x, not file://C:/x
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}
