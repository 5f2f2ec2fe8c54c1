package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
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
func (s *session) contextRequest(ctx context.Context, r *replier, raw []byte) (any, error) {
	var p ContextParams
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
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
	s.mu.Lock()
	maxTokens := s.cfg.MaxTokens
	s.mu.Unlock()
	if p.MaxTokens > 0 {
		maxTokens = p.MaxTokens
	}
	if t.folder == nil { // not a file: no rules
		lang := languageOf(p.LanguageID, t.doc, "")
		return NewContextResult(rules.Context{Language: lang, MaxTokens: maxTokens}, p.TextDocument.URI, 0), nil
	}
	if t.folder.isReady() {
		return s.computeContext(t, p, maxTokens)
	}
	// The first index of this folder is still being built: answer when it is ready,
	// from a goroutine, so every other request is served meanwhile.
	s.replyLater(ctx, r, "airules/context", func() (any, error) {
		select {
		case <-t.folder.ready:
			return s.computeContext(t, p, maxTokens)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(contextWait):
			return nil, jsonrpc2.Errorf(codeRequestFailed, "airules: %s is still being indexed; try again", t.folder.root)
		}
	})
	return nil, errDeferred
}

func (s *session) computeContext(t target, p ContextParams, maxTokens int) (any, error) {
	ix := t.folder.index()
	if ix == nil {
		return nil, jsonrpc2.Errorf(codeRequestFailed, "airules: no index for %s: %v", t.folder.root, t.folder.err)
	}
	snap := ix.Snapshot()
	c := budgetFor(snap, t, p.LanguageID, maxTokens)
	return NewContextResult(c, FileURI(t.path), t.folder.genBase+snap.Generation), nil
}

// budgetFor selects and budgets the rules of one file: the one computation hover, code
// lens and airules/context share, so they always agree. Results are cached per
// snapshot: a hover follows the mouse over one file, and the code lens, hover and
// airules/context of a file ask the same question.
func budgetFor(snap *index.Snapshot, t target, lang string, maxTokens int) rules.Context {
	return budgetEntryFor(snap, t, lang, maxTokens).ctx
}

// budgetEntryFor is budgetFor with the cache entry, which also keeps the hover text.
func budgetEntryFor(snap *index.Snapshot, t target, lang string, maxTokens int) *budgetEntry {
	k := budgetKey{t.rel, languageOf(lang, t.doc, t.rel), maxTokens}
	return t.folder.budgets.get(snap, k, func() rules.Context {
		return rules.Budget(snap.Select(k.rel, k.lang), k.maxTokens)
	})
}

// budgetEntry is one cached budget and what is derived from it.
type budgetEntry struct {
	ctx       rules.Context
	hoverOnce sync.Once
	hover     string
}

// hoverText renders the source-file hover once per entry.
func (e *budgetEntry) hoverText() string {
	e.hoverOnce.Do(func() { e.hover = sourceHover(e.ctx) })
	return e.hover
}

// budgetCacheMax bounds the budgets cached for one snapshot.
const budgetCacheMax = 256

type budgetKey struct {
	rel, lang string
	maxTokens int
}

// budgetCache holds the budgets computed on one snapshot; a new snapshot empties it.
type budgetCache struct {
	mu   sync.Mutex
	snap *index.Snapshot
	m    map[budgetKey]*budgetEntry
}

func (c *budgetCache) get(snap *index.Snapshot, k budgetKey, compute func() rules.Context) *budgetEntry {
	c.mu.Lock()
	if c.snap == snap {
		if v, ok := c.m[k]; ok {
			c.mu.Unlock()
			return v
		}
	}
	c.mu.Unlock()
	v := &budgetEntry{ctx: compute()} // outside the lock: budgets of other files need not wait
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && snap.Generation < c.snap.Generation {
		return v // computed on a snapshot that was replaced meanwhile
	}
	if c.snap != snap || len(c.m) >= budgetCacheMax {
		c.snap, c.m = snap, make(map[budgetKey]*budgetEntry)
	}
	c.m[k] = v
	return v
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
func (s *session) rulesRequest(ctx context.Context, r *replier, raw []byte) (any, error) {
	var p rulesParams
	if len(raw) > 0 && string(raw) != "null" {
		if err := jsonUnmarshal(raw, &p); err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "airules/rules: invalid params: %v", err)
		}
	}
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
			s.replyLater(ctx, r, "airules/rules", func() (any, error) {
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
			})
			return nil, errDeferred
		}
	}
	return listRules(folders), nil
}

// listRules lists the rules of the folders' current snapshots.
func listRules(folders []*folder) RulesResult {
	res := RulesResult{Rules: []RuleInfo{}}
	seen := map[string]bool{}
	for _, f := range folders {
		ix := f.index()
		if ix == nil {
			continue
		}
		snap := ix.Snapshot()
		part := NewRulesResult(snap.Rules, f.genBase+snap.Generation, func(r *rules.Rule) int { return len(snap.Problems[r.Path]) })
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
