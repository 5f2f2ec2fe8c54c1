package rules

import (
	"encoding/hex"
	"sync"
)

// A rule restored from an index's store has no body in memory: the rule files are the
// truth, so the store keeps only what a rule is (its metadata, the hash of its body and
// its token count) and the body is read back from the file when a prompt, a hover or a
// count first needs it. Most rules of a large workspace are never rendered by a
// session, so most bodies are never read.

// lazyBody is the body of a restored rule, loaded at most once.
type lazyBody struct {
	once sync.Once
	load func() string
	text string
}

// Text is the rule's body: Body for a parsed rule, or for a restored one the body its
// loader reads back on first use. Code that renders or compares bodies uses Text.
func (r *Rule) Text() string {
	if r.lazy == nil {
		return r.Body
	}
	r.lazy.once.Do(func() {
		r.lazy.text = r.lazy.load()
		r.lazy.load = nil
	})
	return r.lazy.text
}

// RestoreBody gives a rule restored without its body a loader for it, called at most
// once and from any goroutine, and the body's identity as BodySum gave it when the rule
// was parsed, so that duplicates are found without reading any body. Call it before the
// rule is shared, after Restore.
func (r *Rule) RestoreBody(load func() string, sum string) {
	r.lazy = &lazyBody{load: load}
	key, err := hex.DecodeString(sum)
	if err != nil || len(key) == 0 {
		r.bodyKey = &bodyCell{}
		return
	}
	r.bodyKey = &bodyCell{key: string(key)}
	r.bodyKey.once.Do(func() {})
}

// BodySum is the hex form of the body's identity (the hash of its trimmed text, after
// @import inlining), which a store keeps in place of the body.
func (r *Rule) BodySum() string { return hex.EncodeToString([]byte(r.bodyIdentity())) }
