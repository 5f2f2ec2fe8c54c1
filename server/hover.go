package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/airules/airules/server/wire"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"go.lsp.dev/protocol"
)

// hoverIndexing is the hover while the first index is being built: hover never waits.
const hoverIndexing = "airules: indexing…"

// hoverFiles is how many matching files a glob or language hover lists.
const hoverFiles = 5

// hover lists the rules of a source file, or documents the frontmatter under the
// cursor in a rule file. It never waits: before the first index it says so.
func (s *session) hover(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	s.mu.Lock()
	on, maxTokens, markdown := s.cfg.Hover, s.cfg.MaxTokens, s.caps.markdownHover
	s.mu.Unlock()
	if !on {
		return nil, nil
	}
	t, err := s.resolve(string(p.TextDocument.URI))
	if err != nil || t.folder == nil {
		return nil, nil // outside the workspace, or not a file: nothing to say
	}
	if !t.folder.isReady() {
		return hoverText(hoverIndexing, markdown), nil
	}
	ix := t.folder.index()
	if ix == nil {
		return nil, nil
	}
	snap := ix.Snapshot()
	var text string
	if ix.IsRuleFile(t.path) {
		text = ruleFileHover(snap, t.doc, p.Position)
	} else {
		text = wire.Summary(snap.Context(t.rel, t.languageOf(""), t.content(), maxTokens), 0)
	}
	if text == "" {
		return nil, nil
	}
	return hoverText(text, markdown), nil
}

func hoverText(text string, markdown bool) *protocol.Hover {
	kind := protocol.Markdown
	if !markdown {
		kind = protocol.PlainText
	}
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: kind, Value: text}}
}

// ruleFileHover documents what is under the cursor in a rule file's frontmatter: a
// key, a glob (which files it matches) or a language (which files have it).
func ruleFileHover(snap *index.Snapshot, d *document, pos protocol.Position) string {
	if d == nil {
		return "" // only open buffers are hovered; the disk is not read in a handler
	}
	lines := d.lines()
	line := int(pos.Line)
	fm, ok := scanFrontmatter(lines)
	if !ok || !fm.inside(line) || line >= len(lines) {
		return ""
	}
	k := fm.owner(line)
	if k == nil {
		return ""
	}
	f := formatAt(snap, d.path)
	text := lines[line]
	col := rules.ByteColumn(text, int(pos.Character))
	if k.line == line && col < k.valueCol {
		return keyHover(f, k.name)
	}
	item, ok := itemAt(valueItems(text, valueStart(text, k, line)), col)
	if !ok {
		return keyHover(f, k.name)
	}
	if spec, ok := rules.KeyDocOf(f, k.name); ok && spec.Kind == rules.KindGlobs {
		return globHover(snap, item.text)
	}
	if k.name == "language" {
		return languageHover(snap, item.text)
	}
	return keyHover(f, k.name)
}

// formatAt is the format of the rule file at path (the native one when the index does
// not know the file yet).
func formatAt(snap *index.Snapshot, path string) rules.Format {
	if r := snap.RuleAt(path); r != nil {
		return r.Format
	}
	return rules.FormatAirules
}

// formatKeys are the documented keys of format f, from the table the validator reads;
// the native ones for a format without frontmatter of its own.
func formatKeys(f rules.Format) []rules.KeySpec {
	if ks := rules.FormatKeys(f); ks != nil {
		return ks
	}
	return rules.FormatKeys(rules.FormatAirules)
}

func keyHover(f rules.Format, name string) string {
	doc, ok := rules.KeyDocOf(f, name)
	if !ok {
		var names []string
		for _, k := range formatKeys(f) {
			names = append(names, k.Name)
		}
		return fmt.Sprintf("**%s** — not a %s key. Known keys: %s.", name, f.Title(), strings.Join(names, ", "))
	}
	return fmt.Sprintf("**%s** — *%s*\n\n%s\n\n```yaml\n%s\n```", doc.Name, doc.Type, doc.Doc, doc.Example)
}

func globHover(snap *index.Snapshot, glob string) string {
	glob = strings.TrimSpace(glob)
	if glob == "" || snap.Files == nil {
		return ""
	}
	files, n := snap.Files.Match(glob, hoverFiles)
	var b strings.Builder
	verb := "matches"
	if strings.HasPrefix(glob, "!") {
		verb = "excludes"
	}
	fmt.Fprintf(&b, "`%s` %s **%d** %s in the workspace", glob, verb, n, wire.Plural(n, "file", "files"))
	if n == 0 {
		b.WriteString(": check the path (patterns are relative to the workspace root; one without `/` matches the base name at any depth)")
	}
	writeFileList(&b, files, n)
	return b.String()
}

func languageHover(snap *index.Snapshot, lang string) string {
	lang = strings.TrimSpace(lang)
	if lang == "" || snap.Files == nil {
		return ""
	}
	var files []string
	n := 0
	for _, f := range snap.Files.Files() {
		if rules.LanguageOf(f) == lang {
			n++
			if len(files) < hoverFiles {
				files = append(files, f)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "language `%s`: **%d** %s in the workspace", lang, n, wire.Plural(n, "file", "files"))
	if exts := rules.ExtensionsOf(lang); len(exts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(exts, ", "))
	}
	writeFileList(&b, files, n)
	return b.String()
}

func writeFileList(b *strings.Builder, files []string, n int) {
	if len(files) == 0 {
		return
	}
	b.WriteString(":\n")
	for _, f := range files {
		fmt.Fprintf(b, "\n- `%s`", f)
	}
	if n > len(files) {
		fmt.Fprintf(b, "\n- … and %d more", n-len(files))
	}
}
