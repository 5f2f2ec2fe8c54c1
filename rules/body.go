package rules

import (
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
)

// A rule restored from an index's store has no body in memory: the rule files are the
// truth, so the store keeps only what a rule is (its metadata, the hash of its body and
// its token count) and the body is read back from the file when a prompt, a hover or a
// count first needs it. Most rules of a large workspace are never rendered by a
// session, so most bodies are never read.

// lazyBody is the body of a restored rule, loaded at most once.
type lazyBody struct {
	once   sync.Once
	load   func(*Rule) string
	pass   func(r *Rule, use func(body string)) bool // PassBodyWith's
	summed bool                                      // RestoreBody's sum was usable: bodyKey holds it
	text   string
	loaded atomic.Bool // text is set
}

// Text is the rule's body: Body for a parsed rule, or for a restored one the body its
// loader reads back on first use. Code that renders or compares bodies uses Text.
func (r *Rule) Text() string {
	if r.lazy == nil {
		return r.Body
	}
	r.lazy.once.Do(func() {
		r.lazy.text = r.lazy.load(r)
		r.lazy.loaded.Store(true)
	})
	return r.lazy.text
}

// withPassingText calls use with the rule's body without keeping a body that had to
// be read for it: counting every rule of a workspace must not bring every body into
// memory. use must not keep the string.
func (r *Rule) withPassingText(use func(body string)) {
	if r.lazy == nil || r.lazy.loaded.Load() {
		use(r.Text())
		return
	}
	if r.lazy.pass != nil && r.lazy.pass(r, use) {
		return
	}
	use(r.lazy.load(r))
}

// PassBodyWith gives a rule that forgot its body or was restored without one a second
// way to read it, for uses that keep nothing of it (a count): pass calls use with the
// body, which use does not keep, and reports whether it could; when it cannot, the
// loader reads the body. It lets a loader lend memory of its own instead of making a
// string of each body. Call it after ForgetBody or RestoreBody, before the rule is
// shared.
func (r *Rule) PassBodyWith(pass func(r *Rule, use func(body string)) bool) {
	if r.lazy != nil {
		r.lazy.pass = pass
	}
}

// RestoreBody gives a rule restored without its body a loader for it, called with the
// rule from any goroutine (one loader can serve many rules): once for the body the rule
// keeps (Text), and once more if the rule is counted before that (a count keeps no
// body). It also gives the body's identity as BodySum gave it when the rule was parsed,
// so that duplicates are found without reading any body. Call it before the rule is
// shared, after Restore.
func (r *Rule) RestoreBody(load func(*Rule) string, sum string) {
	r.lazy = &lazyBody{load: load}
	if r.bodyKey == nil {
		r.bodyKey = &bodyCell{}
	}
	// The cell is Restore's, unused, or a parsed rule's holding this identity already.
	key, err := hex.DecodeString(sum)
	if err != nil || len(key) == 0 {
		return // computed from the body on first use
	}
	r.bodyKey.key = string(key)
	r.bodyKey.once.Do(func() {})
	r.lazy.summed = true
}

// ForgetBody lets a parsed rule drop its body, read back by load on first use as a
// restored rule's is (RestoreBody): a server holds every rule of a workspace and renders
// few. Call it before the rule is shared.
func (r *Rule) ForgetBody(load func(*Rule) string) {
	if r.lazy != nil {
		return
	}
	sum := r.BodySum()
	if r.tokens != nil {
		r.TokensAtLeast() // from the body in hand: a budget asks for it
	}
	r.Body = ""
	r.RestoreBody(load, sum)
}

// RestoredBodySum is the body identity a restored rule was given (RestoreBody), or ""
// for a parsed rule. A loader compares what it read with it: asking BodySum instead
// would read the body to compute it.
func (r *Rule) RestoredBodySum() string {
	if r.lazy == nil || !r.lazy.summed {
		return ""
	}
	// Kept in its raw form only (bodyKey): a loader asks for it when it reads a body.
	return hex.EncodeToString([]byte(r.bodyKey.key))
}

// BodySum is the hex form of the body's identity (the hash of its trimmed text, after
// @import inlining), which a store keeps in place of the body.
func (r *Rule) BodySum() string { return hex.EncodeToString([]byte(r.bodyIdentity())) }

// BodyAt is the body Parse finds in data when the frontmatter ends before line
// bodyLine (0: no frontmatter, the whole text): the text after the byte-order mark and
// line-break normalisation Parse applies, from that line on. A restored rule's loader
// takes it when its identity matches the stored BodySum, and parses the file otherwise.
func BodyAt(data []byte, bodyLine int) string {
	text := normalizeBreaks(strings.TrimPrefix(string(data), "\ufeff"))
	i := 0
	for range bodyLine {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			return ""
		}
		i += j + 1
	}
	return text[i:]
}

// BodySumOf is BodySum of a rule whose body is body.
func BodySumOf(body string) string { return hex.EncodeToString([]byte(identityOf(body))) }
