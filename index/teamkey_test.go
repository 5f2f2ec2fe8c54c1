package index

import (
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

func TestTeamKeyEncoding(t *testing.T) {
	for _, tc := range []struct{ id, key string }{
		{"00-global/security", "00-global/security"},
		{"framework/next.js", "framework/next.js"},
		{"team/c++", "team/c=2B=2B"},
		{"a b", "a=20b"},
		{"x=y", "x=3Dy"},
		{".hidden", "=2Ehidden"},
		{"trailing.", "trailing=2E"},
		{"a..b", "a=2E=2Eb"},
		{"ünï", "=C3=BCn=C3=AF"},
		{"a*b>c", "a=2Ab=3Ec"},
	} {
		if got := TeamKey(tc.id); got != tc.key {
			t.Errorf("TeamKey(%q) = %q, want %q", tc.id, got, tc.key)
		}
		if got := TeamID(tc.key); got != tc.id {
			t.Errorf("TeamID(%q) = %q, want %q", tc.key, got, tc.id)
		}
		if !validTeamKey(tc.key) {
			t.Errorf("%q is no valid KV key", tc.key)
		}
	}
	// A key written by hand with a stray "=" keeps it.
	for _, k := range []string{"a=", "a=Z1", "a=1"} {
		if got := TeamID(k); got != k {
			t.Errorf("TeamID(%q) = %q", k, got)
		}
	}
}

// Every id makes a valid key, and the key gives the id back.
func TestTeamKeyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.StringN(1, 40, -1).Draw(t, "id")
		k := TeamKey(id)
		if !validTeamKey(k) {
			t.Fatalf("TeamKey(%q) = %q is not a valid key", id, k)
		}
		if back := TeamID(k); back != id {
			t.Fatalf("TeamID(TeamKey(%q)) = %q", id, back)
		}
	})
}

func FuzzTeamID(f *testing.F) {
	for _, s := range []string{"a", "=", "==41", "a=2", "=C3=BC", "x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		id := TeamID(key) // never panics, bounded by the key's length
		if len(id) > len(key) {
			t.Fatalf("TeamID(%q) = %q grew", key, id)
		}
		if validTeamKey(key) && utf8.ValidString(id) && TeamKey(id) != key && !containsEscapable(key) {
			t.Fatalf("TeamKey(TeamID(%q)) = %q", key, TeamKey(id))
		}
	})
}

// containsEscapable reports whether a key has "=" sequences a hand-written key may use
// differently from TeamKey (lower-case hex, "=" not followed by hex).
func containsEscapable(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] == '=' {
			return true
		}
	}
	return false
}

func TestTeamBackoffDoublesUpToTheCap(t *testing.T) {
	b := backoff{min: 500_000_000, max: teamBackoffMax}
	var prev float64
	for i := range 20 {
		d := b.next()
		if d > teamBackoffMax {
			t.Fatalf("attempt %d waits %v, over the cap", i, d)
		}
		if i < 5 && float64(d) < prev*1.2 {
			t.Fatalf("attempt %d waits %v after %v: not growing", i, d, prev)
		}
		prev = float64(d)
	}
	if b.cur != teamBackoffMax {
		t.Fatalf("after 20 failures the wait is %v, want the cap", b.cur)
	}
	b.reset()
	if d := b.next(); d > 600_000_000 {
		t.Fatalf("after a reset the wait is %v", d)
	}
}
