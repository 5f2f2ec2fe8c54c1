package wire

import (
	"net/url"
	"path/filepath"
	"strings"
)

const fileScheme = "file://"

// FileURI turns an absolute path into a file:// URI.
func FileURI(path string) string {
	if strings.HasPrefix(path, "airules-team://") {
		return path // a team rule's path is its URI already
	}
	p := filepath.ToSlash(path)
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + p // a Windows drive: file:///C:/x, not file://C:/x
	}
	if plainPath(p) {
		return fileScheme + p // what url.URL writes for a path with nothing to escape
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String()
}

// plainPath reports whether p is absolute and made only of characters a URI path
// never escapes, so that it needs no url.URL: a rules listing writes ten thousand URIs,
// an answer a hundred.
func plainPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '/', c == '-', c == '_', c == '.', c == '~':
		default:
			return false
		}
	}
	return true
}
