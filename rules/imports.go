package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// MaxImportDepth is how many @import hops are followed (Claude Code's limit).
const MaxImportDepth = 5

// ErrOutside is what an import reader returns for a file outside the workspace.
var ErrOutside = errors.New("outside the workspace")

// importsFormat reports whether a format inlines @path imports.
func importsFormat(f Format) bool { return f == FormatClaude || f == FormatGemini }

// InlineImports resolves the @path imports of a CLAUDE.md or GEMINI.md rule read from
// the workspace-relative rel, through fsys (rooted at the workspace; it is how every
// imported file is read). root is the workspace's absolute slash path, so an absolute
// import inside it resolves too. An import is `@path` at the start of a line or after
// a space, outside code spans and fenced blocks; a line that is only an import is
// replaced by the file, an import inside a sentence keeps the line and the file
// follows it. Imports nest up to MaxImportDepth hops; a missing file, a cycle, a
// deeper chain and a file outside the workspace are reported at the import and left
// as written. Call it before the rule is shared.
func InlineImports(r *Rule, rel string, fsys fs.FS, root string) {
	if !importsFormat(r.Format) || !strings.Contains(r.Body, "@") {
		return
	}
	in := &inliner{r: r, fsys: fsys, root: strings.TrimSuffix(root, "/")}
	body, _ := in.expand(r.Body, rel, []string{rel}, r.BodyLine, true)
	if body != r.Body {
		r.Body = body
		r.tokens = &tokenCell{}
		r.bodyKey = &bodyCell{}
	}
}

type inliner struct {
	r       *Rule
	fsys    fs.FS
	root    string
	bytes   int     // inlined so far, bounded by MaxFileSize
	reads   int     // imports resolved so far, bounded by maxImports
	pending []issue // problems of the imported file being expanded
	cache   map[string]readResult
}

type readResult struct {
	data []byte
	err  error
}

// maxImports bounds the imports one rule resolves, nested ones included.
const maxImports = 256

// read reads an import target once per rule.
func (in *inliner) read(target string) ([]byte, error) {
	if r, ok := in.cache[target]; ok {
		return r.data, r.err
	}
	data, err := fs.ReadFile(in.fsys, target)
	if in.cache == nil {
		in.cache = map[string]readResult{}
	}
	in.cache[target] = readResult{data, err}
	return data, err
}

// importRef is one @import found in a text.
type importRef struct {
	target    string
	line, col int // 0-based line in the text, byte column of the @
	end       int // byte column after the token
	whole     bool
}

// findImports lists the imports of a markdown text, skipping fenced blocks and code
// spans.
func findImports(text string) []importRef {
	var out []importRef
	fence := ""
	for ln, line := range strings.Split(text, "\n") {
		t := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			mark := t[:3]
			switch {
			case fence == "":
				fence = mark
			case fence == mark:
				fence = ""
			}
			continue
		}
		if fence != "" || !strings.Contains(line, "@") {
			continue
		}
		inCode := false
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '`' {
				inCode = !inCode
				continue
			}
			if c != '@' || inCode || (i > 0 && line[i-1] != ' ' && line[i-1] != '\t') {
				continue
			}
			j := i + 1
			for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '`' {
				j++
			}
			target := strings.TrimRight(line[i+1:j], ".,;:!?)]\"'")
			if target == "" {
				continue
			}
			whole := strings.TrimSpace(line) == line[i:j]
			out = append(out, importRef{target: target, line: ln, col: i, end: i + 1 + len(target), whole: whole})
			i = j - 1
		}
	}
	return out
}

// pathLike reports whether an import target names a file rather than a person
// (`@alice` in prose): a slash, a dot or a tilde.
func pathLike(t string) bool { return strings.ContainsAny(t, "/.~") }

// issue is a problem found in an imported file, reported at the import of the rule's
// own body that led to it.
type issue struct {
	code Code
	msg  string
}

// expand returns text with its imports inlined, and the problems of nested imports;
// rel is the file text was read from and chain the files being expanded (for cycles).
// report is set for the rule's own body, whose imports have positions in the file
// (bodyLine is the body's first file line).
func (in *inliner) expand(text, rel string, chain []string, bodyLine int, report bool) (string, []issue) {
	refs := findImports(text)
	if len(refs) == 0 {
		return text, nil
	}
	var issues []issue
	lines := strings.Split(text, "\n")
	after := map[int][]string{}
	replace := map[int]string{}
	for _, ref := range refs {
		target, problem := in.resolve(ref.target, rel)
		var content string
		switch {
		case problem == CodeImportOutside:
			in.report(report, ref, lines, bodyLine, problem, "@%s is outside the workspace: imports are read only from inside it, so it is left out", ref.target)
			continue
		case slicesContains(chain, target):
			in.report(report, ref, lines, bodyLine, CodeImportCycle, "@%s imports itself through %s: the cycle is cut here", ref.target, strings.Join(append(chain, target), " → "))
			continue
		case len(chain) > MaxImportDepth:
			in.report(report, ref, lines, bodyLine, CodeImportTooDeep, "@%s is more than %d imports deep (%s): it is not read", ref.target, MaxImportDepth, strings.Join(append(chain, target), " → "))
			continue
		}
		if in.reads++; in.reads > maxImports {
			if in.reads == maxImports+1 {
				in.report(report, ref, lines, bodyLine, CodeImportMissing, "more than %d imports: @%s and the ones after it are not read", maxImports, ref.target)
			}
			continue
		}
		data, err := in.read(target)
		if err != nil || in.bytes+len(data) > MaxFileSize || notText(data) >= 0 {
			if !pathLike(ref.target) && !ref.whole {
				continue // prose like "ask @alice"
			}
			if !errors.Is(err, ErrOutside) {
				// Named, inside the workspace: when it appears or changes, the rule is read again.
				in.r.Imports = appendUnique(in.r.Imports, target)
			}
			if errors.Is(err, ErrOutside) {
				in.report(report, ref, lines, bodyLine, CodeImportOutside, "@%s resolves outside the workspace: imports are read only from inside it, so it is left out", ref.target)
				continue
			}
			if err == nil || errors.Is(err, fs.ErrNotExist) {
				if err == nil {
					in.report(report, ref, lines, bodyLine, CodeImportMissing, "@%s (%s) is not a text file of at most %d bytes: it is not read", ref.target, target, MaxFileSize)
					continue
				}
				in.report(report, ref, lines, bodyLine, CodeImportMissing, "@%s: no such file (resolved to %s)", ref.target, target)
				continue
			}
			in.report(report, ref, lines, bodyLine, CodeImportMissing, "@%s (%s) cannot be read: %v", ref.target, target, err)
			continue
		}
		in.bytes += len(data)
		content = strings.ReplaceAll(strings.TrimPrefix(string(data), "\ufeff"), "\r\n", "\n")
		expanded, nested := in.expand(content, target, append(chain[:len(chain):len(chain)], target), 0, false)
		content = strings.TrimSpace(expanded)
		if report {
			for _, is := range nested {
				in.report(true, ref, lines, bodyLine, is.code, "%s", is.msg)
			}
		} else {
			issues = append(issues, nested...)
		}
		in.r.Imports = appendUnique(in.r.Imports, target)
		if ref.whole {
			replace[ref.line] = content
		} else {
			after[ref.line] = append(after[ref.line], content)
		}
	}
	if !report {
		issues = append(issues, in.pending...)
		in.pending = nil
	}
	if len(replace) == 0 && len(after) == 0 {
		return text, issues
	}
	var b strings.Builder
	for i, line := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if c, ok := replace[i]; ok {
			b.WriteString(c)
		} else {
			b.WriteString(line)
		}
		for _, c := range after[i] {
			b.WriteString("\n\n")
			b.WriteString(c)
		}
	}
	return b.String(), issues
}

// resolve maps an import target to a workspace-relative path, or reports it outside.
func (in *inliner) resolve(target, rel string) (string, Code) {
	switch {
	case strings.HasPrefix(target, "~"):
		return "", CodeImportOutside
	case strings.HasPrefix(target, "/"):
		if in.root == "" || !strings.HasPrefix(target, in.root+"/") {
			return "", CodeImportOutside
		}
		target = strings.TrimPrefix(target, in.root+"/")
	default:
		target = path.Join(path.Dir(rel), target)
	}
	target = path.Clean(target)
	if target == ".." || strings.HasPrefix(target, "../") || !fs.ValidPath(target) {
		return "", CodeImportOutside
	}
	return target, ""
}

// report adds a problem at an import of the rule's own body; problems in imported files
// are reported at the import that led to them by the outer call's chain checks.
func (in *inliner) report(report bool, ref importRef, lines []string, bodyLine int, c Code, format string, args ...any) {
	if !report {
		in.pending = append(in.pending, issue{c, fmt.Sprintf(format, args...)})
		return
	}
	line := lines[ref.line]
	rg := Range{Position{bodyLine + ref.line, utf16Len(line[:ref.col])}, Position{bodyLine + ref.line, utf16Len(line[:min(ref.end, len(line))])}}
	in.r.Problems = append(in.r.Problems, newProblem(c, rg, format, args...))
}

func slicesContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func appendUnique(list []string, s string) []string {
	if slicesContains(list, s) {
		return list
	}
	return append(list, s)
}
