package rules

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/adrg/frontmatter"
	yaml "go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest rule file that is parsed; larger ones are reported, not read.
const MaxFileSize = 1 << 20

// DefaultMaxTokens is the token budget when nobody sets one.
const DefaultMaxTokens = 16000

// captureFormat splits the frontmatter with adrg/frontmatter but leaves the decoding to
// us: its own YAML decoding has no positions.
// readerPool reuses the bufio.Reader adrg/frontmatter would otherwise allocate per
// file (it keeps a *bufio.Reader it is given as is).
var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

var captureFormat = frontmatter.NewFormat("---", "---", func(b []byte, v any) error {
	*(v.(*[]byte)) = b
	return nil
})

// Parse reads one rule file. It never fails and never panics: whatever is wrong with the
// file is in the returned rule's Problems, each with a range.
func Parse(src Source, data []byte) *Rule { return parse(src, data, false) }

func parse(src Source, data []byte, slow bool) *Rule {
	r := &Rule{Source: src, Status: StatusActive, Priority: DefaultPriority, tokens: &tokenCell{}, bodyKey: &bodyCell{}}
	sum := sha256.Sum256(data)
	r.Hash = hex.EncodeToString(sum[:])
	if len(data) > MaxFileSize {
		r.Problems = append(r.Problems, TooLarge(int64(len(data))))
		return r
	}
	if bad := notText(data); bad >= 0 {
		line := LineCount(string(data[:bad])) - 1
		r.Problems = append(r.Problems, newProblem(CodeNotText, Range{Position{line, 0}, Position{line + 1, 0}},
			"not a text file: invalid UTF-8 or a NUL byte at byte %d; rule files must be UTF-8 markdown", bad))
		return r
	}
	text := string(data)
	text = strings.TrimPrefix(text, "\ufeff")
	// Lines keep their numbers and columns when CRLF and a lone CR become LF, and
	// yaml.v3 (which breaks lines at a lone CR too) sees the same lines.
	text = normalizeBreaks(text)
	p := &parser{r: r, text: text, lines: strings.Split(text, "\n"), slow: slow}
	p.run()
	p.checkFolderFile(len(data))
	if r.Format == FormatDependency {
		applyDependency(r)
	}
	return r
}

// notText returns the offset of the first byte that makes data not UTF-8 text, or -1.
func notText(data []byte) int {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i
	}
	if utf8.Valid(data) {
		return -1
	}
	for i := 0; i < len(data); {
		c, n := utf8.DecodeRune(data[i:])
		if c == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

type parser struct {
	r     *Rule
	text  string
	lines []string
	start int  // 0-based line of the opening ---
	slow  bool // decode with yaml.v3 only (tests compare both paths)
	// lenient holds glob lines that are invalid YAML but clearly meant (Cursor's
	// `globs: *.ts, *.tsx`), by block line, with the raw value and its column.
	lenient map[int]lenientLine
}

type lenientLine struct {
	raw string
	col int // byte column of raw in the file line
}

func (p *parser) problem(c Code, rg Range, format string, args ...any) *Problem {
	p.r.Problems = append(p.r.Problems, newProblem(c, rg, format, args...))
	return &p.r.Problems[len(p.r.Problems)-1]
}

func (p *parser) run() {
	r := p.r
	first := 0
	for first < len(p.lines) && strings.TrimSpace(p.lines[first]) == "" {
		first++
	}
	p.start = first
	hasOpening := first < len(p.lines) && strings.TrimSpace(p.lines[first]) == "---"
	if !hasOpening {
		r.Body = p.text
		p.start = 0
		if r.Format.native() {
			pb := p.problem(CodeNoFrontmatter, p.lineRange(0),
				"no frontmatter: start the file with a --- block that has at least a description")
			pb.Fix = &Fix{Title: "Add frontmatter", Edits: []Edit{{Range: Range{}, NewText: "---\ndescription: \n---\n"}}}
		} else {
			p.applyFormat(nil)
		}
		p.checkBody()
		return
	}
	// Find the closing line first: adrg/frontmatter treats an unclosed block as body
	// without a word, and handing it only the head spares it copying the body.
	closing := -1
	for j := first + 1; j < len(p.lines); j++ {
		if strings.TrimSpace(p.lines[j]) == "---" {
			closing = j
			break
		}
	}
	if closing < 0 {
		r.Body = p.text
		p.problem(CodeYAMLSyntax, p.lineRange(first),
			"frontmatter is not closed: add a line with --- after the last key")
		return
	}
	headLen := 0
	for _, ln := range p.lines[:closing+1] {
		headLen += len(ln) + 1
	}
	headLen = min(headLen, len(p.text))
	var block []byte
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(strings.NewReader(p.text[:headLen]))
	_, err := frontmatter.Parse(br, &block, captureFormat)
	br.Reset(nil)
	readerPool.Put(br)
	if err != nil || block == nil {
		r.Body = p.text
		p.problem(CodeYAMLSyntax, p.lineRange(first), "frontmatter could not be read: %v", err)
		return
	}
	r.BodyLine = closing + 1
	r.Body = p.text[headLen:]
	root := p.decode(block)
	switch {
	case r.Format.native():
		if root != nil {
			p.fields(root)
		}
	case root != nil:
		p.applyFormat(p.foreignFields(root))
	default:
		p.applyFormat(nil)
	}
	p.checkBody()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// decode parses the frontmatter block into a mapping node, reporting syntax errors at
// their file line. It returns nil when there is nothing to validate.
func (p *parser) decode(block []byte) *yaml.Node {
	block = p.relaxGlobs(block)
	if !p.slow {
		if root, ok := fastMapping(block); ok {
			return root
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(block, &doc); err != nil {
		msg := err.Error()
		line := p.start
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			// Scanner errors carry a 1-based block line, which is the file's 0-based line
			// when the block starts right below the opening ---. Parser errors carry the
			// 0-based line where the broken construct began (yaml.v3's fail()).
			line = p.start + n
			if strings.HasPrefix(msg, "did not find expected") {
				line++
			}
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		p.problem(CodeYAMLSyntax, p.lineRange(line), "YAML syntax error: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.problem(CodeWrongType, p.nodeRange(root), "frontmatter must be a mapping of keys to values, like `description: ...`")
		return nil
	}
	return root
}

// relaxGlobs rewrites top-level glob lines (`globs:`, `applyTo:`, `paths:`,
// `fileMatchPattern:`) whose unquoted value is not
// valid YAML (a leading `*` starts an alias) into a quoted string, remembering the raw
// text so positions still point into the file.
func (p *parser) relaxGlobs(block []byte) []byte {
	line := 0
	for off := 0; off < len(block); line++ {
		end := bytes.IndexByte(block[off:], '\n')
		if end < 0 {
			end = len(block)
		} else {
			end += off
		}
		lineStart := off
		off = end + 1
		if end == lineStart || !strings.ContainsRune("gapf", rune(block[lineStart])) {
			continue // cheap filter before making a string of the line
		}
		ln := string(block[lineStart:end])
		key, rest, ok := strings.Cut(ln, ":")
		if !ok || (key != "globs" && key != "applyTo" && key != "paths" && key != "fileMatchPattern") {
			continue
		}
		raw := strings.TrimSpace(rest)
		if i := strings.Index(raw, " #"); i >= 0 {
			raw = strings.TrimSpace(raw[:i])
		}
		if raw == "" || !strings.ContainsAny(raw[:1], "*{!&@`") {
			continue
		}
		if p.lenient == nil {
			p.lenient = map[int]lenientLine{}
		}
		p.lenient[line+1] = lenientLine{raw: raw, col: len(key) + 1 + strings.Index(rest, raw)}
		// Rare, so a fresh copy per rewritten line is fine; the block itself belongs
		// to the frontmatter reader and is not written to.
		fixed := key + ": " + strconv.Quote(raw)
		block = append(append(append(make([]byte, 0, len(block)+2), block[:lineStart]...), fixed...), block[end:]...)
		off = lineStart + len(fixed) + 1
	}
	return block
}

func (p *parser) checkBody() {
	r := p.r
	if strings.TrimSpace(r.Body) == "" {
		p.problem(CodeEmptyBody, p.lineRange(r.BodyLine),
			"the rule has no body: write the instructions below the frontmatter")
		return
	}
	// A token is at least one byte, so only a body longer than the budget in bytes can
	// exceed it: the common case costs no counting.
	if len(r.Body) > DefaultMaxTokens {
		if n := r.Tokens(); n > DefaultMaxTokens {
			p.problem(CodeOverBudget, p.lineRange(r.BodyLine),
				"the rule alone is %d tokens, over the default budget of %d: split it or it will never be included", n, DefaultMaxTokens)
		}
	}
}

// lineRange covers one whole line.
func (p *parser) lineRange(line int) Range {
	if line >= len(p.lines) {
		line = len(p.lines) - 1
	}
	if line < 0 {
		return Range{}
	}
	return Range{Position{line, 0}, Position{line, utf16Len(p.lines[line])}}
}

// pos converts a yaml.v3 node position (1-based block line, 1-based rune column) into
// a file position.
func (p *parser) pos(n *yaml.Node) Position {
	line := p.start + n.Line
	if line < 0 || line >= len(p.lines) {
		return Position{Line: max(line, 0)}
	}
	return Position{line, runeColToUTF16(p.lines[line], n.Column-1)}
}

// nodeRange is the range of a node's text on its first line.
func (p *parser) nodeRange(n *yaml.Node) Range {
	start := p.pos(n)
	if start.Line >= len(p.lines) {
		return Range{start, start}
	}
	text := p.lines[start.Line]
	if ll, ok := p.lenient[n.Line]; ok && n.Kind == yaml.ScalarNode {
		c := utf16Len(text[:ll.col])
		return Range{Position{start.Line, c}, Position{start.Line, c + utf16Len(ll.raw)}}
	}
	end := utf16Len(text)
	if n.Kind == yaml.ScalarNode {
		b := utf16ToByte(text, start.Column)
		switch n.Style {
		case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
			if e := closingQuote(text, b); e > b {
				end = utf16Len(text[:e+1])
			}
		case 0, yaml.TaggedStyle:
			if !strings.Contains(n.Value, "\n") {
				end = min(start.Column+utf16Len(n.Value), end)
			}
		}
	}
	return Range{start, Position{start.Line, end}}
}

// closingQuote finds the quote that ends the quoted scalar opening at byte i.
func closingQuote(line string, i int) int {
	if i >= len(line) {
		return -1
	}
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		switch {
		case q == '"' && line[j] == '\\':
			j++
		case line[j] == q:
			if q == '\'' && j+1 < len(line) && line[j+1] == '\'' {
				j++
				continue
			}
			return j
		}
	}
	return -1
}
