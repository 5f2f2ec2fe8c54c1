package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
	"go.lsp.dev/jsonrpc2"
)

// contextWait bounds how long airules/context waits for a folder's first index. It
// waits in a goroutine of its own: the queue serves other requests meanwhile.
const contextWait = 60 * time.Second

// target is the file a request is about, resolved against the workspace.
type target struct {
	uri    string
	path   string  // "" for non-file URIs
	folder *folder // nil for non-file URIs
	rel    string
	doc    *document
}

// resolve finds the folder of a document URI. A file outside every folder is refused
// unless it is a rule source of some index (a user rule): nothing outside the workspace
// and the rule sources is read or returned.
func (s *session) resolve(uri string) (target, error) {
	t := target{uri: uri, doc: s.doc(uri)}
	path, err := uriToPath(uri)
	if err != nil {
		if errors.Is(err, errNotFile) {
			return t, nil // untitled:, git: … → no rules, no error
		}
		return t, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules: %v", err)
	}
	t.path = path
	folders := s.currentFolders()
	if f := folderFor(folders, path); f != nil {
		t.folder, t.rel = f, f.rel(path)
		return t, nil
	}
	if fs := ruleFolders(folders, path); len(fs) > 0 {
		t.folder, t.rel = fs[0], fs[0].rel(path)
		return t, nil
	}
	if len(folders) == 0 {
		return t, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules: %s is outside the workspace: the client opened no workspace folder", uri)
	}
	return t, jsonrpc2.Errorf(jsonrpc2.InvalidParams,
		"airules: %s is outside every workspace folder (%s) and is not a rule source; only files inside the workspace have rules", uri, rootsOf(folders))
}

func rootsOf(folders []*folder) string {
	out := ""
	for i, f := range folders {
		if i > 0 {
			out += ", "
		}
		out += f.root
	}
	return out
}

// contextRequest answers airules/context (DESIGN.md, "Wire contract").
func (s *session) contextRequest(ctx context.Context, p *wire.ContextParams) (any, error) {
	if p.TextDocument.URI == "" {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "airules/context: textDocument.uri is required")
	}
	if p.MaxTokens < 0 {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules/context: maxTokens must be positive, got %d", p.MaxTokens)
	}
	t, err := s.resolve(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	maxTokens := s.maxTokens(p.MaxTokens)
	if t.folder == nil { // not a file: no rules
		lang := rules.ResolveLanguage(t.languageOf(p.LanguageID), "")
		if maxTokens <= 0 {
			maxTokens = rules.DefaultMaxTokens
		}
		return wire.NewContextResult(rules.Context{Language: lang, MaxTokens: maxTokens}, p.TextDocument.URI, 0, p.Shape()), nil
	}
	if t.folder.isReady() {
		return s.computeContext(t, p, maxTokens)
	}
	// The first index of this folder is still being built: answer when it is ready,
	// from a goroutine, so every other request is served meanwhile.
	return later(func() (any, error) {
		select {
		case <-t.folder.ready:
			return s.computeContext(t, p, maxTokens)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(contextWait):
			return nil, jsonrpc2.Errorf(codeRequestFailed, "airules: %s is still being indexed; try again", t.folder.root)
		}
	}), nil
}

// maxTokens is the budget of a request: its own, else the client's setting; 0 when
// neither is set, for the workspace's configuration file (Snapshot.Context) to decide.
func (s *session) maxTokens(requested int) int {
	if requested > 0 {
		return requested
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.MaxTokens
}

func (s *session) computeContext(t target, p *wire.ContextParams, maxTokens int) (any, error) {
	ix := t.folder.index()
	if ix == nil {
		return nil, jsonrpc2.Errorf(codeRequestFailed, "airules: no index for %s: %v", t.folder.root, t.folder.err)
	}
	snap := ix.Snapshot()
	// An answer that depends on the buffer's text (content rules) is computed each time.
	cacheable := t.doc == nil || !snap.Rules.MatchesContent()
	key := answerKey{uri: t.uri, p: *p}
	// What the answer was made with, not what was asked: the budget and the language.
	key.p.MaxTokens, key.p.LanguageID = maxTokens, t.languageOf(p.LanguageID)
	if key.p.MaxOmitted < 0 { // every negative value lists all: one answer
		key.p.MaxOmitted = -1
	}
	if cacheable {
		if answer, ok := t.folder.answers.get(snap, key); ok {
			return answer, nil
		}
	}
	q := index.Query{Rel: t.rel, Language: t.languageOf(p.LanguageID), Content: t.content(), MaxTokens: maxTokens}
	uri, gen := wire.FileURI(t.path), t.folder.genBase+snap.Generation
	if !cacheable { // in memory of its own, kept by no cache
		res := wire.NewContextResult(snap.ContextFor(q), uri, gen, p.Shape())
		return &fresh{body: res.AppendJSON(nil)}, nil
	}
	// The snapshot need not keep what the answer cache keeps, and the answer is
	// encoded before this returns: it is built in reused memory.
	m := memories.get()
	raw := m.encode(snap, q, uri, gen, p.Shape())
	// Packed for the cache once it is sent.
	return &fresh{body: raw, keep: func() {
		var p packed
		p, m.packing = pack(raw, m.packing)
		t.folder.answers.put(snap, key, p)
		memories.put(m)
	}}, nil
}

// primeContext does, before a folder is ready, what its first airules/context would
// otherwise pay for, a few milliseconds at 10,000 rules: one answer is computed for a
// file of the workspace (prime: the first that is not a rule file) the way a request
// computes it, in kept memory (answerMemory), which grows that memory to an answer's
// size and touches the tables' pages. It keeps no answer; what it counts, a request
// for that file would have counted. Without such a file it runs one select.
func primeContext(snap *index.Snapshot, prime string) {
	if snap == nil {
		return
	}
	if prime == "" {
		snap.Rules.Select(".airules-prime", "")
		return
	}
	m := memories.get()
	defer memories.put(m)
	_, m.packing = pack(m.encode(snap, index.Query{Rel: prime}, "", 0, wire.Shape{}), m.packing)
}

// primeFile is the first file of the workspace that is not a rule file, "" when there
// is none.
func primeFile(ix *index.Index) string {
	if fs := ix.SourceFiles(1, nil); len(fs) > 0 {
		return fs[0]
	}
	return ""
}

// answerMemory is the memory a new answer is computed in, from its context
// (rules.Reuse) to its packing, held until the answer is sent and packed.
type answerMemory struct {
	context rules.Reuse
	result  wire.ResultMemory
	body    []byte // the encoded answer
	packing []byte // s2's output
}

// encode computes the answer to q uncached and encodes it, all in m: the encoded
// answer is m.body, valid until m is used again.
func (m *answerMemory) encode(snap *index.Snapshot, q index.Query, uri string, gen uint64, shape wire.Shape) []byte {
	q.Uncached, q.Reuse = true, &m.context
	res := wire.NewContextResultIn(&m.result, snap.ContextFor(q), uri, gen, shape)
	m.body = res.AppendJSON(m.body[:0])
	return m.body
}

// answerMemories keeps the memory of a few answers for the next ones. Unlike a
// sync.Pool's, it survives collections and is the same on both cores: a pool that
// missed had the hundreds of kilobytes of an answer grown again, and made garbage.
type answerMemories struct {
	mu   sync.Mutex
	free []*answerMemory
}

// keptMemories is how many answers' memory is kept: one per answer computed at once
// (the queue's, and the few waiting for a first index).
const keptMemories = 4

// keptAnswerBytes bounds what one kept answer's memory may hold: one huge answer is
// not worth keeping its memory for.
const keptAnswerBytes = 1 << 20

var memories answerMemories

func (a *answerMemories) get() *answerMemory {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.free); n > 0 {
		m := a.free[n-1]
		a.free = a.free[:n-1]
		return m
	}
	return new(answerMemory)
}

func (a *answerMemories) put(m *answerMemory) {
	if cap(m.body) > keptAnswerBytes || cap(m.packing) > keptAnswerBytes {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.free) < keptMemories {
		a.free = append(a.free, m)
	}
}

// content is the open buffer's text, for rules that match on content (Continue's
// regex); nil when the file is not open: no handler reads the disk.
func (t target) content() []byte {
	if t.doc == nil {
		return nil
	}
	return []byte(t.doc.text)
}

// languageOf is the language a client gave for the target: in the request, else the
// open buffer's ("" when neither; Snapshot.Context resolves it against the name).
func (t target) languageOf(explicit string) string {
	if explicit == "" && t.doc != nil {
		return t.doc.languageID
	}
	return explicit
}

// rulesParams are the optional params of airules/rules: a document or folder URI picks
// the folder; without one every folder's rules are listed.
type rulesParams struct {
	URI          string `json:"uri"`
	TextDocument struct {
		URI string `json:"uri"`
	} `json:"textDocument"`
}

// rulesRequest answers airules/rules. With several folders, the rules of all are
// listed (user rules once) and the generation is the sum of theirs, which grows with
// every change of any of them.
func (s *session) rulesRequest(ctx context.Context, p *rulesParams) (any, error) {
	folders := s.currentFolders()
	if uri := firstNonEmpty(p.TextDocument.URI, p.URI); uri != "" {
		t, err := s.resolve(uri)
		if err != nil {
			return nil, err
		}
		folders = nil
		if t.folder != nil {
			folders = []*folder{t.folder}
		}
	}
	for _, f := range folders {
		if !f.isReady() {
			// Like airules/context: answer once the first indexes exist, meanwhile
			// serving other requests.
			return later(func() (any, error) {
				deadline := time.After(contextWait)
				for _, f := range folders {
					select {
					case <-f.ready:
					case <-ctx.Done():
						return nil, ctx.Err()
					case <-deadline:
						return nil, jsonrpc2.Errorf(codeRequestFailed, "airules: %s is still being indexed; try again", f.root)
					}
				}
				return listRules(folders), nil
			}), nil
		}
	}
	return listRules(folders), nil
}

// listRules lists the rules of the folders' current snapshots.
func listRules(folders []*folder) wire.RulesResult {
	res := wire.RulesResult{Rules: []wire.RuleInfo{}}
	seen := map[string]bool{}
	for _, f := range folders {
		ix := f.index()
		if ix == nil {
			continue
		}
		snap := ix.Snapshot()
		part := wire.NewRulesResult(snap.Rules, f.genBase+snap.Generation, func(r *rules.Rule) int { return len(snap.Problems[r.Path]) })
		if st := ix.TeamStatus(); st.State != index.TeamOff && res.Team == "" {
			res.Team = st.Line(time.Now())
		}
		res.Generation += part.Generation
		for _, r := range part.Rules {
			if !seen[r.Path] { // user rules are in every folder's index
				seen[r.Path] = true
				res.Rules = append(res.Rules, r)
			}
		}
	}
	return res
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
