package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A TokenCounter counts texts in o200k tokens exactly as CountTokens does, somewhere
// else: a long-running server hands its counting to a worker process, so that its own
// heap never holds the tokenizer's tables and its requests never wait for its collector
// behind a bulk count. CountTokens counts n texts, each appended to the counter's
// buffer by text(dst, i) (so none is built as a string only to be copied), and returns
// their counts in order.
type TokenCounter interface {
	CountTokens(n int, text func(dst []byte, i int) []byte) ([]int, error)
}

// SectionText is the text Tokens counts for r: its section as a prompt renders it. A
// restored rule's body is read for it without being kept.
func (r *Rule) SectionText() string {
	var s string
	r.withPassingText(func(body string) { s = renderSectionOf(r, body) })
	return s
}

// AppendSection appends SectionText to dst.
func (r *Rule) AppendSection(dst []byte) []byte {
	a := &byteAppender{b: dst}
	r.withPassingText(func(body string) { writeSection(a, r, strings.TrimSpace(body)) })
	return a.b
}

// HeaderText is the text HeaderTokens counts for the file at rel.
func HeaderText(rel string) string { return promptHeader(relPath(rel)) }

// FillTokens records n, the count of SectionText made elsewhere, unless r's count is
// known already. Unlike SetTokens it is safe while r is shared.
func (r *Rule) FillTokens(n int) {
	if r.tokens == nil {
		return
	}
	r.tokens.once.Do(func() {
		r.tokens.n = n
		r.tokens.done.Store(true)
	})
}

// CountWith fills, through c and in one call, the counts of those of rs whose count is
// not known. On error nothing is filled: Tokens counts in this process then.
func CountWith(c TokenCounter, rs []*Rule) error {
	var todo []*Rule
	for _, r := range rs {
		if _, ok := r.CountedTokens(); !ok && r.tokens != nil {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	ns, err := c.CountTokens(len(todo), func(dst []byte, i int) []byte { return todo[i].AppendSection(dst) })
	if err == nil && len(ns) != len(todo) {
		err = fmt.Errorf("%d counts for %d texts", len(ns), len(todo))
	}
	if err != nil {
		return fmt.Errorf("count tokens: %w", err)
	}
	for i, r := range todo {
		r.FillTokens(ns[i])
	}
	return nil
}

// knownTokens is what is known of r's token count without counting or reading its
// body: the count and true, else a lower bound already computed (0 when none) and false.
func (r *Rule) knownTokens() (int, bool) {
	if n, ok := r.CountedTokens(); ok {
		return n, true
	}
	if r.tokens != nil {
		if v := r.tokens.atLeast.Load(); v > 0 {
			return int(v - 1), false
		}
	}
	return 0, false
}

// TokensAtLeast is a lower bound of Tokens, known without the tokenizer: the count
// itself once known, else one token for each run of letters or of digits that no
// o200k piece can join (lowerBound). A budget omits a rule whose bound does not fit
// without counting it. The bound is computed once.
func (r *Rule) TokensAtLeast() int {
	if n, ok := r.CountedTokens(); ok {
		return n
	}
	if r.tokens != nil {
		if v := r.tokens.atLeast.Load(); v > 0 {
			return int(v - 1)
		}
	}
	var n int
	r.withPassingText(func(body string) { n = sectionLowerBound(r, body) })
	if r.tokens == nil {
		return n
	}
	r.tokens.atLeast.Store(int32(min(n, 1<<30)) + 1)
	return n
}

// sectionLowerBound is lowerBound of renderSectionOf(r, text), without building it.
func sectionLowerBound(r *Rule, text string) int {
	title, body := oneLine(sectionTitle(r)), strings.TrimSpace(text)
	if !utf8.ValidString(title) || !utf8.ValidString(r.ID) || !utf8.ValidString(body) {
		return 0 // counted by the library's own split (CountTokens); no bound claimed
	}
	// The parts writeSection joins meet at a space, a line break or an underscore, each
	// of which ends a run, so their runs add up.
	var lb lowerBound
	lb.add("### ")
	lb.add(title)
	lb.add("\n\n_rule: ")
	lb.add(r.ID)
	lb.add("_\n\n")
	lb.add(body)
	return lb.n
}

// lowerBound counts a lower bound of a valid UTF-8 text's o200k tokens in one pass:
// every piece of o200k's pre-tokenizer is at least one token; an ASCII letter is only
// ever in a piece of letters, which holds no ASCII byte but letters and apostrophes
// after its first character, and an ASCII digit only in a piece of digits. So two
// ASCII letters with another ASCII byte (not an apostrophe) between them are in
// different pieces, and so are two ASCII digits with an ASCII non-digit between them.
// Non-ASCII bytes and apostrophes join runs, which can only lower the count.
type lowerBound struct {
	n     int
	state uint8 // the runs in progress (runLetter, runDigit)
}

// Byte classes of lowerBound: the bits a byte sets in the run state, and those it keeps.
const (
	runLetter = 1 << iota
	runDigit
)

// runSet and runKeep are, per byte, the run bits it starts and the run bits it lets
// continue: a letter starts a letter run and ends a digit run, a digit the converse, a
// joiner keeps both, any other byte ends both.
var runSet, runKeep = func() (set, keep [256]uint8) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			set[c], keep[c] = runLetter, runLetter
		case '0' <= c && c <= '9':
			set[c], keep[c] = runDigit, runDigit
		case c == '\'' || c >= utf8.RuneSelf:
			keep[c] = runLetter | runDigit
		}
	}
	return set, keep
}()

func (lb *lowerBound) add(s string) {
	state, n := lb.state, lb.n
	for i := 0; i < len(s); i++ {
		c := s[i]
		set := runSet[c]
		started := set &^ state // a run starts where a byte sets a bit not held
		n += int((started | started>>1) & 1)
		state = state&runKeep[c] | set
	}
	lb.state, lb.n = state, n
}
