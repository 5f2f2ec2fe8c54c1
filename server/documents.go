package server

import (
	"context"
	"fmt"

	"github.com/airules/airules/rules"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// document is an open editor buffer.
type document struct {
	uri        string
	path       string // "" for untitled:, git: and other non-file URIs
	languageID string
	version    int32
	text       string
}

// lines splits the text into lines without their breaks (\n, \r\n, lone \r: LSP's).
func (d *document) lines() []string { return rules.SplitLines(d.text) }

// doc returns a copy of the open document for uri, or nil.
func (s *session) doc(uri string) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.docs[uri]; ok {
		c := *d
		return &c
	}
	return nil
}

// didOpen records the buffer; a rule file's text overrides the disk from now on.
func (s *session) didOpen(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
	uri := string(p.TextDocument.URI)
	d := &document{uri: uri, languageID: string(p.TextDocument.LanguageID), version: p.TextDocument.Version, text: p.TextDocument.Text}
	if path, err := uriToPath(uri); err == nil {
		d.path = path
	}
	s.mu.Lock()
	s.docs[uri] = d
	s.mu.Unlock()
	if d.path != "" {
		s.didModify(modification{kind: modBuffer, path: d.path, text: []byte(d.text)})
	}
	return nil
}

// didChangeParams is decoded here: protocol.TextDocumentContentChangeEvent has a
// non-pointer Range, so a full-text change would read as an insertion at 0:0.
type didChangeParams struct {
	TextDocument struct {
		URI     string `json:"uri"`
		Version int32  `json:"version"`
	} `json:"textDocument"`
	ContentChanges []struct {
		Range *protocol.Range `json:"range"`
		Text  string          `json:"text"`
	} `json:"contentChanges"`
}

// didChange applies full and incremental changes (UTF-16 ranges) and republishes a
// rule file's diagnostics at once.
func (s *session) didChange(ctx context.Context, p *didChangeParams) error {
	s.mu.Lock()
	d, ok := s.docs[p.TextDocument.URI]
	if !ok {
		s.mu.Unlock()
		s.logger().Warn("didChange of a document that is not open", zap.String("uri", p.TextDocument.URI))
		return nil
	}
	text := d.text
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			text = c.Text
			continue
		}
		var err error
		if text, err = applyEdit(text, *c.Range, c.Text); err != nil {
			s.mu.Unlock()
			return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "didChange %s: %v", p.TextDocument.URI, err)
		}
	}
	d.text = text
	d.version = p.TextDocument.Version
	path := d.path
	s.mu.Unlock()
	if path != "" {
		s.didModify(modification{kind: modBuffer, path: path, text: []byte(text)})
	}
	return nil
}

// didSave needs nothing with a server watcher; without one it queues a reindex.
func (s *session) didSave(ctx context.Context, p *protocol.DidSaveTextDocumentParams) error {
	d := s.doc(string(p.TextDocument.URI))
	if d == nil || d.path == "" {
		return nil
	}
	// The overlay already holds what was saved. Without a server watcher the index
	// would not see the disk change: queue it (the index skips unchanged content).
	s.mu.Lock()
	watchServer := s.cfg.serverWatch()
	s.mu.Unlock()
	if !watchServer {
		s.didModify(modification{kind: modFiles, path: d.path})
	}
	return nil
}

// didClose forgets the buffer and drops its overlay: the disk is the truth again, and
// a buffer-only rule file disappears.
func (s *session) didClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	uri := string(p.TextDocument.URI)
	s.mu.Lock()
	d, ok := s.docs[uri]
	delete(s.docs, uri)
	s.mu.Unlock()
	if ok && d.path != "" {
		s.didModify(modification{kind: modClose, path: d.path})
	}
	return nil
}

// applyEdit replaces rng (UTF-16 positions) in text with newText.
func applyEdit(text string, rng protocol.Range, newText string) (string, error) {
	start, err := offsetOf(text, rng.Start)
	if err != nil {
		return "", err
	}
	end, err := offsetOf(text, rng.End)
	if err != nil {
		return "", err
	}
	if end < start {
		return "", fmt.Errorf("range end %d:%d before start %d:%d", rng.End.Line, rng.End.Character, rng.Start.Line, rng.Start.Character)
	}
	return text[:start] + newText + text[end:], nil
}

// offsetOf converts an LSP position to a byte offset. A position past the end of a
// line means its end, past the last line the end of the text, as the spec asks.
func offsetOf(text string, pos protocol.Position) (int, error) {
	// Lines end where LSP says they do (\n, \r\n or a lone \r: rules.LineBreak), as
	// the diagnostics' positions count them.
	off := 0
	for line := uint32(0); line < pos.Line; line++ {
		i, n := rules.LineBreak(text[off:])
		if i < 0 {
			return len(text), nil
		}
		off += i + n
	}
	lineText := text[off:]
	if end, _ := rules.LineBreak(lineText); end >= 0 {
		lineText = lineText[:end]
	}
	return off + rules.ByteColumn(lineText, int(pos.Character)), nil
}
