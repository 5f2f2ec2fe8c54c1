package server

import (
	"github.com/airules/airules/server/wire"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// problemCodesURL documents every problem code; diagnostics link to it.
const problemCodesURL = "https://github.com/airules/airules#problem-codes"

// diagnosticSource is the source of every diagnostic.
const diagnosticSource = "airules"

// diagnosticData travels with a diagnostic to textDocument/codeAction: the ready fix,
// with LSP ranges, so a client may also apply it by itself.
type diagnosticData struct {
	Code rules.Code `json:"code"`
	Fix  *wireFix   `json:"fix,omitempty"`
}

// wireFix is a rules.Fix in LSP terms.
type wireFix struct {
	Title string              `json:"title"`
	Edits []protocol.TextEdit `json:"edits"`
}

func toWireFix(f *rules.Fix) *wireFix {
	if f == nil {
		return nil
	}
	w := &wireFix{Title: f.Title, Edits: make([]protocol.TextEdit, len(f.Edits))}
	for i, e := range f.Edits {
		w.Edits[i] = protocol.TextEdit{Range: toRange(e.Range), NewText: e.NewText}
	}
	return w
}

func toRange(r rules.Range) protocol.Range {
	return protocol.Range{
		Start: protocol.Position{Line: uint32(max(r.Start.Line, 0)), Character: uint32(max(r.Start.Column, 0))},
		End:   protocol.Position{Line: uint32(max(r.End.Line, 0)), Character: uint32(max(r.End.Column, 0))},
	}
}

// toDiagnostic converts a problem; positions are UTF-16 already, as LSP wants.
func toDiagnostic(p rules.Problem) protocol.Diagnostic {
	d := protocol.Diagnostic{
		Range:           toRange(p.Range),
		Severity:        protocol.DiagnosticSeverity(p.Severity),
		Code:            string(p.Code),
		CodeDescription: &protocol.CodeDescription{Href: problemCodesURL},
		Source:          diagnosticSource,
		Message:         p.Message,
		Data:            diagnosticData{Code: p.Code, Fix: toWireFix(p.Fix)},
	}
	return d
}

func toDiagnostics(ps []rules.Problem) []protocol.Diagnostic {
	out := make([]protocol.Diagnostic, 0, len(ps))
	for _, p := range ps {
		out = append(out, toDiagnostic(p))
	}
	return out
}

// publisher sends publishDiagnostics and airules/indexChanged in order. It drops a
// list equal to the one the client has (a change lists every rule file whose problems
// may have changed, e.g. all rules naming a glob when a file appears) and a late stale
// list, which must never replace a newer one.
type publisher struct {
	mu   sync.Mutex
	last map[pubKey]pubState
	// clean is, per folder root, the generation of its last publishAll: as of it, each
	// of its files that last does not hold had no problems. A workspace's rule files are
	// mostly clean, and an entry for each was a map of the whole workspace's paths.
	clean map[string]uint64
	// runs counts publications of a change's problems: one per change that reaches
	// the client (TestOneEditOneDiagnosticsRun holds it to that).
	runs atomic.Int64
}

type pubKey struct{ path string }

type pubState struct {
	root     string
	gen      uint64
	problems []rules.Problem // as sent
}

// publishProblems publishes the problems of the files a change lists.
func (s *session) publishProblems(f *folder, byPath map[string][]rules.Problem, gen uint64) {
	paths := slices.Sorted(maps.Keys(byPath))
	s.pub.runs.Add(1)
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	for _, p := range paths {
		s.publishLocked(f, p, byPath[p], gen, false)
	}
}

// publishAll publishes every rule file of a snapshot and clears the files of this folder
// that had problems before but are no longer rule files (after a reopen).
func (s *session) publishAll(f *folder, byPath map[string][]rules.Problem, gen uint64) {
	paths := slices.Sorted(maps.Keys(byPath))
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	for k, st := range s.pub.last {
		if _, ok := byPath[k.path]; !ok && st.root == f.root && len(st.problems) > 0 {
			s.publishLocked(f, k.path, nil, gen, true)
		}
	}
	for _, p := range paths {
		s.publishLocked(f, p, byPath[p], gen, true)
	}
	s.pub.clean[f.root] = gen
}

func (s *session) publishLocked(f *folder, path string, problems []rules.Problem, gen uint64, force bool) {
	k := pubKey{path}
	prev, seen := s.pub.last[k]
	if !force && (seen && prev.root == f.root && gen < prev.gen || !seen && gen < s.pub.clean[f.root]) {
		return // stale: a newer list was sent already
	}
	if seen && slices.EqualFunc(prev.problems, problems, func(a, b rules.Problem) bool { return reflect.DeepEqual(a, b) }) {
		if gen > prev.gen {
			prev.gen = gen
			s.pub.last[k] = prev
		}
		return
	}
	if !seen && len(problems) == 0 {
		// Nothing was ever shown for this file: an empty list would only be noise (10,000
		// clean rules at startup would be 10,000 notifications). A publishAll records
		// them all at once (clean).
		if !force {
			s.pub.last[k] = pubState{root: f.root, gen: gen}
		}
		return
	}
	s.pub.last[k] = pubState{root: f.root, gen: gen, problems: problems}
	params := struct {
		URI         string                `json:"uri"`
		Diagnostics []protocol.Diagnostic `json:"diagnostics"`
	}{wire.FileURI(path), toDiagnostics(problems)}
	if err := s.conn.Notify(s.ctx, "textDocument/publishDiagnostics", params); err != nil {
		s.logger().Debug("publishDiagnostics not sent", zap.String("path", path), zap.Error(err))
	}
}

// lastProblems returns what was last published for path (for code actions).
func (s *session) lastProblems(path string) []rules.Problem {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	return s.pub.last[pubKey{path}].problems
}

// notifyIndexChanged sends airules/indexChanged once per new generation of a folder.
func (s *session) notifyIndexChanged(f *folder, gen uint64) {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	g := f.genBase + gen
	if g <= f.lastGen {
		return
	}
	f.lastGen = g
	params := map[string]any{"generation": g, "folder": f.uri}
	if err := s.conn.Notify(s.ctx, "airules/indexChanged", params); err != nil {
		s.logger().Debug("indexChanged not sent", zap.Error(err))
	}
}

// clearFolderDiagnostics clears what was published for a folder that went away.
func (s *session) clearFolderDiagnostics(f *folder) {
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	for k, st := range s.pub.last {
		if st.root == f.root {
			s.publishLocked(f, k.path, nil, st.gen, true)
			delete(s.pub.last, k)
		}
	}
	delete(s.pub.clean, f.root)
}
