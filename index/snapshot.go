package index

import (
	"hash/fnv"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// contextCacheBytes bounds what one snapshot's context cache holds (contextSize; a
// context of a 16,000-token budget with hundreds of omitted rules is ~110 KB); a full
// cache is emptied and refilled. It serves the open files' hover, code lens and the
// CLI; the LSP server keeps its encoded airules/context answers itself (a burst over
// many files is its case).
const contextCacheBytes = 4 << 20

// contextSize is about what a cached context keeps alive: its prompt and its lists.
func contextSize(c *rules.Context, rel string) int64 {
	return int64(len(c.Prompt) + len(rel) + 48*len(c.Omitted) + 160*len(c.Rules) + 8*len(c.Available))
}

// Snapshot is an immutable view of the index at one generation. Readers share it
// freely; a change publishes a new Snapshot and leaves old ones untouched.
type Snapshot struct {
	// Generation increases with every change of the rules or of their problems.
	Generation uint64
	// Root is the absolute workspace root.
	Root string
	// Rules is the compiled rule set.
	Rules *rules.Set
	// Files lists the workspace files, relative slash paths (AIR007, hover on globs).
	Files *rules.FileList
	// Problems maps the absolute path of every rule file to all its problems (parse
	// problems and AIR007). It must not be modified.
	Problems map[string][]rules.Problem
	// MaxTokens is the budget of a Context asked for without one: the configuration
	// file's maxTokens, else rules.DefaultMaxTokens.
	MaxTokens int

	cache   sync.Map     // contextKey → rules.Context
	cached  atomic.Int64 // bytes of the prompts in cache
	m       *counters
	headers *headerCounts // the index's, shared by its snapshots
	// counter counts what a request needs counted and no store knew, in the index's
	// worker process (Options.Counter); nil counts in this one.
	counter rules.TokenCounter
}

type contextKey struct {
	rel, lang, agent string
	maxTokens        int
	content          uint64 // hash of the content, when the set matches on content
}

// Query is what Snapshot.ContextFor is asked: Context's arguments, and the agent that
// asks (Copilot's excludeAgent names coding-agent or code-review; "" is any agent).
type Query struct {
	Rel, Language string
	Content       []byte
	MaxTokens     int
	Agent         string
	// Uncached asks for an answer the snapshot does not keep: the caller keeps it
	// itself (the LSP server keeps airules/context answers encoded).
	Uncached bool
	// Reuse, with Uncached, is where the answer is built (rules.Reuse): it is valid
	// until Reuse is used again.
	Reuse *rules.Reuse
}

// Context is the one answer to "which rules apply to this file, in which order, and
// within which budget": the workspace-relative slash path rel, the language a client
// reported (resolved against the file name by rules.ResolveLanguage; "" guesses from
// the name), the file's content if the caller has it (the open buffer, the file on
// disk; nil matches no content pattern) and the token budget (0 or less:
// the snapshot's MaxTokens). Hover, code lens, airules/context, MCP and the CLI all ask
// here, so they cannot disagree. Answers are cached for this generation and shared
// between callers: do not modify their slices.
func (s *Snapshot) Context(rel, lang string, content []byte, maxTokens int) rules.Context {
	return s.ContextFor(Query{Rel: rel, Language: lang, Content: content, MaxTokens: maxTokens})
}

// ContextFor is Context for a Query, which may name the agent that asks.
func (s *Snapshot) ContextFor(q Query) rules.Context {
	if s.m != nil {
		s.m.noteQuery()
	}
	rel, lang, content, maxTokens := q.Rel, q.Language, q.Content, q.MaxTokens
	if maxTokens <= 0 {
		maxTokens = s.MaxTokens
	}
	if maxTokens <= 0 {
		maxTokens = rules.DefaultMaxTokens
	}
	k := contextKey{rel: rel, lang: rules.ResolveLanguage(lang, rel), agent: q.Agent, maxTokens: maxTokens}
	if !s.Rules.MatchesContent() {
		content = nil // it cannot change the answer: one cache entry per file
	} else if content != nil {
		h := fnv.New64a()
		h.Write(content)
		k.content = h.Sum64() | 1 // never 0, which stands for "no content"
	}
	compute := func(u *rules.Reuse) rules.Context {
		header := s.countHeader(rules.SelectionPath(k.rel)) // travels while the select runs
		sel := s.Rules.SelectReusing(u, k.rel, k.lang, content, k.agent)
		if s.counter != nil {
			<-header
			s.countFor(sel, k.maxTokens)
		}
		return rules.BudgetReusing(u, sel, k.maxTokens, s.headers.of(sel.Path))
	}
	if q.Uncached {
		return compute(q.Reuse)
	}
	if v, ok := s.cache.Load(k); ok {
		if s.m != nil {
			s.m.hits.Add(1)
		}
		return v.(rules.Context)
	}
	if s.m != nil {
		s.m.misses.Add(1)
	}
	c := compute(nil)
	if n := contextSize(&c, k.rel); s.cached.Add(n) > contextCacheBytes {
		s.cache.Clear()
		s.cached.Store(n)
	}
	s.cache.Store(k, c)
	return c
}

// OmittedCounted is how many of an answer's omitted rules a server's index counts with
// the rules it budgets (its worker's counts; the others are counted where read): as
// many as an answer lists by default.
const OmittedCounted = 50

// countHeader counts in the index's worker, from a goroutine of its own, the prompt
// header of the file at rel when no store or request knew its count: every file's
// first answer needs it, and the worker's round trip would otherwise come after the
// select. The channel is closed once the count is in, or failed (countFor then counts
// it again).
func (s *Snapshot) countHeader(rel string) <-chan struct{} {
	if s.counter == nil {
		return closed
	}
	if _, ok := s.headers.known(rel); ok {
		return closed
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.countHeaderNow(rel)
	}()
	return done
}

// countHeaderNow counts the prompt header of the file at rel in the index's worker and
// reports whether it could.
func (s *Snapshot) countHeaderNow(rel string) bool {
	ns, err := s.counter.CountTokens(1, stringsText([]string{rules.HeaderText(rel)}))
	if err != nil || len(ns) != 1 {
		return false
	}
	s.headers.set(rel, ns[0])
	return true
}

// closed is a channel closed already.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// countFor counts in the index's worker what budgeting sel needs and no store knew:
// the prompt header's count, the counts BudgetWith will ask for and those of the
// first omitted rules (rules.CountForBudget). What it cannot count, BudgetWith counts
// in this process.
func (s *Snapshot) countFor(sel rules.Selection, maxTokens int) {
	if _, ok := s.headers.known(sel.Path); !ok && !s.countHeaderNow(sel.Path) {
		return
	}
	_ = rules.CountForBudget(s.counter, sel, maxTokens, s.headers.of(sel.Path), OmittedCounted)
}

// RuleAt returns the rule read from the absolute path (an open buffer's version when
// there is one), or nil.
func (s *Snapshot) RuleAt(absPath string) *rules.Rule {
	return s.Rules.Rule(filepath.Clean(absPath))
}
