package index

import (
	"context"
	"path/filepath"
	"slices"

	"github.com/airules/airules/rules"
)

// ReadAheadBytes is how much rule text a long-running server (the language server, the
// MCP server) reads ahead before it answers (ReadAhead): the bodies of the rules that
// prompts take first, which its first answers would otherwise read from their files.
// About the 500 most important rules of 2 KB; at 10,000 rules the prompts of the
// benchmark's files take their rules from among them.
const ReadAheadBytes = 1 << 20

// CountAheadBytes is how much rule text such a server's first index counts before it
// answers (ReadAhead), in the same order: answers list the omitted rules nearest to
// being taken with their counts too, and those come from a wider set, about the 2,000
// most important rules of 2 KB at 10,000 rules. It costs a first index a few tens of
// milliseconds of the count worker (BenchmarkCountTokens); a warm one, nothing.
const CountAheadBytes = 4 << 20

// Ahead is how much a long-running server's index reads and counts ahead of its first
// answers (Options.ReadAhead): a restored rule's body is read from its file the first
// time a prompt renders it, at 10,000 rules about a fifth of a server's first answer for
// a file (BenchmarkContextVSCode, miss-p50-ms); and on a first index the rules the
// first answers take would be counted by those answers, each waiting for the worker
// while it counts the rest of the workspace (cold).
type Ahead struct {
	// Read is how much rule text, in the order a budget takes rules when it does not
	// know the file (rules.Compare: layer, then priority), has its bodies read and kept.
	Read int
	// Count is how much of the rule files, in that order, has its rules counted at
	// once on every core of the count worker, ahead of the rest; the prompt headers of
	// the workspace's files are counted then too (countHeadersAhead).
	Count int
}

// ServerAhead is what the language server and the MCP server read and count ahead.
var ServerAhead = Ahead{Read: ReadAheadBytes, Count: CountAheadBytes}

// AheadDone is closed once the index has read and counted ahead (Options.ReadAhead),
// or at once when it does not; a server waits for it before its first answer. Rules
// that are never rendered (agent-requested, disabled, unreadable) are passed over; a
// warm index knows every count and counts nothing; a count that fails is left to the
// warmer.
func (ix *Index) AheadDone() <-chan struct{} { return ix.ahead }

// closeAhead closes AheadDone's channel, once.
func (ix *Index) closeAhead() { ix.aheadOnce.Do(func() { close(ix.ahead) }) }

// urgentBytes is how much of the rule files a round counts ahead of the rest: Count,
// when a count worker does it (without one, counting in this process would load the
// tokenizer into it before its first answer).
func (ix *Index) urgentBytes(a Ahead) int {
	if ix.opt.Counter == nil {
		return 0
	}
	return a.Count
}

// readAheadOnly reads and counts ahead for an index that does not serve (so has no
// warmer), and counts nothing else: the read-ahead alone, as its tests look at it.
func (ix *Index) readAheadOnly(ctx context.Context) {
	ix.bg.Add(1)
	go func() {
		defer ix.bg.Done()
		ix.readBodiesAhead(ix.opt.ReadAhead.Read)
		ix.mu.Lock()
		queue := ix.uncounted()
		ix.mu.Unlock()
		// Cut short, it leaves AheadDone to Close.
		ix.warmRound(ctx, queue, ix.urgentBytes(ix.opt.ReadAhead), false, ix.closeAhead)
	}()
}

// readBodiesAhead reads the bodies of the rules a prompt renders first, until read
// bytes of rule text are held, and keeps them, as a body read by a request is kept.
func (ix *Index) readBodiesAhead(read int) {
	if read <= 0 {
		return
	}
	ix.mu.Lock()
	rs := make([]*rules.Rule, 0, len(ix.entries))
	for _, e := range ix.entries {
		if r := e.rule; r.Active() && !r.AgentRequested() && !r.Unreadable() {
			rs = append(rs, r)
		}
	}
	ix.mu.Unlock()
	slices.SortFunc(rs, rules.Compare)
	held := 0
	for _, r := range rs {
		if held >= read {
			break
		}
		held += len(r.Text())
	}
}

// countHeadersAhead counts, in the count worker, the prompt headers of the
// workspace's files (rule files aside) that no store knew, up to headersAhead of them:
// every file's first answer starts with its header, whose count depends on its path
// alone, and counting it when the answer is asked was a round trip to the worker on
// every cold miss (1–4 ms on a busy machine, BenchmarkContextVSCode, cold).
func (ix *Index) countHeadersAhead() {
	todo := ix.SourceFiles(headersAhead, func(rel string) bool {
		_, known := ix.headers.known(rel)
		return !known
	})
	for len(todo) > 0 {
		batch := todo[:min(len(todo), headersAheadBatch)]
		todo = todo[len(batch):]
		ns, err := ix.opt.Counter.CountTokens(len(batch), func(dst []byte, i int) []byte {
			return append(dst, rules.HeaderText(batch[i])...)
		})
		if err != nil || len(ns) != len(batch) {
			return
		}
		for i, rel := range batch {
			ix.headers.set(rel, ns[i])
		}
	}
}

// SourceFiles lists, in the workspace's order, up to max of its files that are not
// rule files and that want (nil: any) holds. A rule file is one the index has an
// entry for: a map lookup by its absolute path, built in one buffer (classifying
// every path was ~10 ms of a start at 10,000 rules).
func (ix *Index) SourceFiles(max int, want func(rel string) bool) []string {
	var out []string
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.fileList == nil {
		return nil
	}
	abs := append([]byte(ix.lay.root), filepath.Separator)
	for _, rel := range ix.fileList.Files() {
		if len(out) == max {
			break
		}
		abs = append(abs[:len(ix.lay.root)+1], filepath.FromSlash(rel)...)
		if _, rule := ix.entries[string(abs)]; !rule && (want == nil || want(rel)) {
			out = append(out, rel)
		}
	}
	return out
}

// headersAhead bounds the headers a first index counts ahead, and headersAheadBatch
// how many go to the worker at once.
const (
	headersAhead      = 10_000
	headersAheadBatch = 512
)
