package server

import (
	"context"
	"encoding/json"

	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
)

// codeAction offers the ready fixes of the problems in the requested range: from the
// problems last published for the file (fresh), and from the data the client sent
// back with its diagnostics (for a fix of a list the server no longer holds).
func (s *session) codeAction(ctx context.Context, p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	out := []protocol.CodeAction{}
	if len(p.Context.Only) > 0 && !wantsQuickFix(p.Context.Only) {
		return out, nil
	}
	uri := p.TextDocument.URI
	path, err := uriToPath(string(uri))
	if err != nil {
		return out, nil
	}
	seen := map[string]bool{}
	add := func(code rules.Code, fix *wireFix, diag *protocol.Diagnostic) {
		if fix == nil || len(fix.Edits) == 0 {
			return
		}
		edits := fix.Edits
		key := string(code) + "\x00" + fix.Title + "\x00" + editsKey(edits)
		if seen[key] {
			return
		}
		seen[key] = true
		a := protocol.CodeAction{
			Title:       fix.Title,
			Kind:        protocol.QuickFix,
			IsPreferred: true,
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{uri: edits}},
		}
		if diag != nil {
			a.Diagnostics = []protocol.Diagnostic{*diag}
		}
		out = append(out, a)
	}
	for _, pr := range s.lastProblems(path) {
		if pr.Fix != nil && overlaps(toRange(pr.Range), p.Range) {
			d := toDiagnostic(pr)
			add(pr.Code, toWireFix(pr.Fix), &d)
		}
	}
	for i := range p.Context.Diagnostics {
		d := &p.Context.Diagnostics[i]
		if d.Source != diagnosticSource || d.Data == nil {
			continue
		}
		raw, err := json.Marshal(d.Data)
		if err != nil {
			continue
		}
		var data diagnosticData
		if json.Unmarshal(raw, &data) == nil {
			add(data.Code, data.Fix, d)
		}
	}
	return out, nil
}

func wantsQuickFix(only []protocol.CodeActionKind) bool {
	for _, k := range only {
		if k == protocol.QuickFix || k == "" {
			return true
		}
	}
	return false
}

func editsKey(es []protocol.TextEdit) string {
	b, _ := json.Marshal(es)
	return string(b)
}

// overlaps reports whether two ranges touch (an empty range at a diagnostic's edge
// counts: that is where the cursor sits when the user asks for a fix).
func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || (a.Line == b.Line && a.Character < b.Character)
}
