package index

import (
	"strings"
)

// TeamScheme is the URI scheme of team rules: airules-team://<bucket>/<key>. A team
// rule's Source.Path is its URI, so it never collides with a file path.
const TeamScheme = "airules-team"

// TeamURI is the URI of the rule stored under key (already encoded) in bucket.
func TeamURI(bucket, key string) string { return TeamScheme + "://" + bucket + "/" + key }

// IsTeamPath reports whether a rule path names a team rule rather than a file.
func IsTeamPath(p string) bool { return strings.HasPrefix(p, TeamScheme+"://") }

// TeamKey turns a rule id into a JetStream KV key. KV keys take letters, digits and
// "-/_=." only, may not start or end with "." and, being NATS subjects, may not hold
// an empty token (".."). Every other byte of the id's UTF-8, "=" itself, and a "."
// that would break those rules, is written "=XX" (two upper-case hex digits), so the
// encoding is reversible and an id that needs none stays as it is:
// "00-global/security" → "00-global/security", "team/c++" → "team/c=2B=2B",
// "a b" → "a=20b".
func TeamKey(id string) string {
	var b strings.Builder
	b.Grow(len(id))
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(id); i++ {
		c := id[i]
		keep := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '/' || c == '_'
		if c == '.' {
			// A dot stays only between two characters that are not dots.
			keep = i > 0 && i < len(id)-1 && id[i-1] != '.' && id[i+1] != '.'
		}
		if keep {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// TeamID is the rule id of a KV key: the inverse of TeamKey. A "=" not followed by two
// hex digits (a key someone wrote by hand) is kept as it is.
func TeamID(key string) string {
	if !strings.Contains(key, "=") {
		return key
	}
	var b strings.Builder
	b.Grow(len(key))
	for i := 0; i < len(key); i++ {
		if key[i] == '=' && i+2 < len(key) {
			hi, ok1 := unhex(key[i+1])
			lo, ok2 := unhex(key[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(key[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// validTeamKey reports whether key is a KV key as nats.go accepts it.
func validTeamKey(key string) bool {
	if key == "" || key[0] == '.' || key[len(key)-1] == '.' || strings.Contains(key, "..") {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '/' || c == '_' || c == '=' || c == '.') {
			return false
		}
	}
	return true
}
