package server

import (
	"context"
	"sort"
	"strings"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
)

// maxPathItems bounds the glob path completions of one request.
const maxPathItems = 200

// newRuleSnippet is offered in an empty rule file.
const newRuleSnippet = "---\ndescription: ${1:What this rule is for, in one line}\npriority: ${2:10}\nscope: [${3|project,global,language,framework,context|}]\nglobs: [\"${4:**/*}\"]\n---\n\n${0}\n"

// newRulePlain is the same without snippet syntax, for clients without snippets.
const newRulePlain = "---\ndescription: \npriority: 10\nscope: [project]\nglobs: [\"**/*\"]\n---\n\n"

// completion completes rule-file frontmatter: keys not yet present, the values of
// language, scope, status and alwaysApply, and glob path segments from the workspace.
func (s *session) completion(ctx context.Context, p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	empty := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	t, err := s.resolve(string(p.TextDocument.URI))
	if err != nil || t.folder == nil || t.doc == nil {
		return empty, nil
	}
	ix := t.folder.index()
	if ix == nil || !ix.IsRuleFile(t.path) {
		return empty, nil
	}
	s.mu.Lock()
	snippets := s.caps.snippets
	s.mu.Unlock()
	lines := t.doc.lines()
	line := int(p.Position.Line)
	if strings.TrimSpace(t.doc.text) == "" {
		return &protocol.CompletionList{Items: []protocol.CompletionItem{newRuleItem(snippets)}}, nil
	}
	fm, ok := scanFrontmatter(lines)
	if !ok || !fm.inside(line) || line >= len(lines) {
		return empty, nil
	}
	text := lines[line]
	col := rules.ByteColumn(text, int(p.Position.Character))
	before := text[:col]
	k := fm.owner(line)
	// A key is being typed: column 0, no colon yet, not a list item.
	if !strings.Contains(before, ":") && !strings.HasPrefix(before, " ") && !strings.HasPrefix(before, "\t") && !strings.HasPrefix(before, "-") {
		return &protocol.CompletionList{Items: keyItems(formatAt(ix.Snapshot(), t.path), fm, line, text, col)}, nil
	}
	if k == nil {
		return empty, nil
	}
	if k.line == line && col < k.valueCol {
		return empty, nil
	}
	prefix, start := partial(text, col)
	rng := protocol.Range{
		Start: protocol.Position{Line: uint32(line), Character: uint32(rules.UTF16Column(text, start))},
		End:   p.Position,
	}
	var items []protocol.CompletionItem
	switch k.name {
	case "language":
		items = valueItemsOf(rules.KnownLanguages(), "language id", rng, prefix)
	case "scope":
		items = valueItemsOf(rules.Scopes(), "scope", rng, prefix)
	case "status":
		items = valueItemsOf([]string{string(rules.StatusActive), string(rules.StatusDisabled)}, "status", rng, prefix)
	case "alwaysApply":
		items = valueItemsOf([]string{"true", "false"}, "boolean", rng, prefix)
	case "globs", "applyTo":
		items = pathItems(ix.Snapshot(), text, start, col, line)
	}
	if items == nil {
		items = []protocol.CompletionItem{}
	}
	return &protocol.CompletionList{IsIncomplete: k.name == "globs" || k.name == "applyTo", Items: items}, nil
}

func newRuleItem(snippets bool) protocol.CompletionItem {
	it := protocol.CompletionItem{
		Label:         "New rule frontmatter",
		Kind:          protocol.CompletionItemKindSnippet,
		Detail:        "description, priority, scope, globs",
		Documentation: protocol.MarkupContent{Kind: protocol.Markdown, Value: "A new airules rule: frontmatter with the common keys, then the body."},
		InsertText:    newRulePlain,
		FilterText:    "---",
	}
	if snippets {
		it.InsertText = newRuleSnippet
		it.InsertTextFormat = protocol.InsertTextFormatSnippet
	}
	return it
}

// keyItems offers the keys of format f that the frontmatter does not have yet.
func keyItems(f rules.Format, fm frontmatter, line int, text string, col int) []protocol.CompletionItem {
	items := []protocol.CompletionItem{}
	// Replace the word typed so far (and a colon after it, if any).
	end := col
	for end < len(text) && text[end] != ':' && text[end] != ' ' {
		end++
	}
	rng := protocol.Range{
		Start: protocol.Position{Line: uint32(line)},
		End:   protocol.Position{Line: uint32(line), Character: uint32(rules.UTF16Column(text, end))},
	}
	hasColon := end < len(text) && text[end] == ':'
	for i, k := range formatKeys(f) {
		if fm.has(k.Name) && !(fm.owner(line) != nil && fm.owner(line).line == line && fm.owner(line).name == k.Name) {
			continue
		}
		insert := k.Name + ": "
		if hasColon {
			insert = k.Name
		}
		items = append(items, protocol.CompletionItem{
			Label:         k.Name,
			Kind:          protocol.CompletionItemKindProperty,
			Detail:        k.Type,
			Documentation: protocol.MarkupContent{Kind: protocol.Markdown, Value: k.Doc + "\n\n```yaml\n" + k.Example + "\n```"},
			TextEdit:      &protocol.TextEdit{Range: rng, NewText: insert},
			SortText:      string(rune('a' + i)),
		})
	}
	return items
}

// partial is the scalar being typed before byte col, and where it starts (after an
// opening quote, bracket, comma, dash or space).
func partial(text string, col int) (string, int) {
	start := col
	for start > 0 {
		c := text[start-1]
		if c == ' ' || c == '\t' || c == ',' || c == '[' || c == '"' || c == '\'' || c == ':' {
			break
		}
		start--
	}
	return text[start:col], start
}

func valueItemsOf(values []string, detail string, rng protocol.Range, prefix string) []protocol.CompletionItem {
	items := make([]protocol.CompletionItem, 0, len(values))
	for _, v := range values {
		if prefix != "" && !strings.HasPrefix(v, prefix) {
			continue
		}
		items = append(items, protocol.CompletionItem{
			Label:    v,
			Kind:     protocol.CompletionItemKindEnumMember,
			Detail:   detail,
			TextEdit: &protocol.TextEdit{Range: rng, NewText: v},
		})
	}
	return items
}

// pathItems completes the next path segment of a glob from the workspace's real
// folders and files: after `lib/` it offers what lib/ holds.
func pathItems(snap *index.Snapshot, text string, start, col, line int) []protocol.CompletionItem {
	if snap.Files == nil {
		return nil
	}
	typed := text[start:col]
	partialSeg := typed[strings.LastIndexByte(typed, '/')+1:] // the segment being typed
	segStart := col - len(partialSeg)
	dir := strings.TrimPrefix(strings.TrimPrefix(typed[:len(typed)-len(partialSeg)], "!"), "./")
	if strings.ContainsAny(dir, "*?[{") {
		return nil // inside a wildcard folder, the next segment is not one folder's
	}
	rng := protocol.Range{
		Start: protocol.Position{Line: uint32(line), Character: uint32(rules.UTF16Column(text, segStart))},
		End:   protocol.Position{Line: uint32(line), Character: uint32(rules.UTF16Column(text, col))},
	}
	files := snap.Files.Files()
	i := sort.SearchStrings(files, dir)
	seen := map[string]bool{}
	var items []protocol.CompletionItem
	for ; i < len(files) && strings.HasPrefix(files[i], dir); i++ {
		rest := files[i][len(dir):]
		seg, kind := rest, protocol.CompletionItemKindFile
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, kind = rest[:j+1], protocol.CompletionItemKindFolder
			// Skip the rest of this folder: every path under dir/seg sorts before
			// dir/seg0 ('0' follows '/'), so a big workspace costs one step per entry.
			i = sort.SearchStrings(files, dir+rest[:j]+"0") - 1
		}
		if seen[seg] {
			continue
		}
		seen[seg] = true
		items = append(items, protocol.CompletionItem{
			Label:    seg,
			Kind:     kind,
			TextEdit: &protocol.TextEdit{Range: rng, NewText: seg},
		})
		if len(items) >= maxPathItems {
			break
		}
	}
	return items
}
