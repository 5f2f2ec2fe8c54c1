package rules

import (
	"strings"
	"unsafe"
)

// Prompt layout. Every part ends with a blank line and the next starts with a
// non-space character, so the o200k pre-tokenizer never joins two parts into one piece
// and a prompt's token count is the sum of its parts' counts: parts are counted once
// and cached instead of counting whole prompts.

var scopeTitles = map[string]string{
	"global": "Global", "project": "Project", "language": "Language", "framework": "Framework", "context": "Context",
}

func promptHeader(rel string) string { return "# AI rules for " + rel + "\n\n" }

func scopeHeading(scope string) string { return "## " + scopeTitles[scope] + "\n\n" }

// renderSectionOf is one rule's part of the prompt, with the rule's body given.
func renderSectionOf(r *Rule, text string) string {
	var b strings.Builder
	body := strings.TrimSpace(text)
	b.Grow(sectionSize(r, body))
	writeSection(&b, r, body)
	return b.String()
}

// sectionTitle is the title a rule's section shows.
func sectionTitle(r *Rule) string {
	if r.Description == "" {
		return r.ID
	}
	return r.Description
}

// sectionSize is at least the length writeSection writes for r and its trimmed body.
func sectionSize(r *Rule, body string) int {
	return len(sectionTitle(r)) + len(r.ID) + len(body) + 24
}

// stringWriter is where writeSection writes: a strings.Builder, or a byte slice
// (byteAppender).
type stringWriter interface{ WriteString(string) (int, error) }

// byteAppender appends to a byte slice.
type byteAppender struct{ b []byte }

func (a *byteAppender) WriteString(s string) (int, error) {
	a.b = append(a.b, s...)
	return len(s), nil
}

// writeSection writes one rule's part of the prompt, its body trimmed already.
func writeSection[W stringWriter](b W, r *Rule, body string) {
	b.WriteString("### ")
	b.WriteString(oneLine(sectionTitle(r)))
	b.WriteString("\n\n_rule: ")
	b.WriteString(r.ID)
	b.WriteString("_\n\n")
	if body != "" {
		b.WriteString(body)
		b.WriteString("\n\n")
	}
}

func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

// section is one rule's part of a prompt being rendered.
type section struct {
	r     *Rule
	body  string // trimmed
	group int    // index in scopeOrder
}

// render writes the prompt for the included rules, grouped by scope in the canonical
// order and in the given order within a group, into u's memory (nil: memory of its
// own). The string it returns shares that memory: it is valid until u is used again,
// like every other part of an answer built in a Reuse. A prompt is tens of kilobytes,
// most of what a new answer allocated.
func render(u *Reuse, rel string, included []Included) string {
	if len(included) == 0 {
		return ""
	}
	var secs []section
	if u != nil {
		secs = reuse(u.sections, len(included))
		defer func() { u.sections = secs }()
	} else {
		secs = make([]section, 0, len(included))
	}
	header := promptHeader(rel)
	size := len(header)
	var opened [len(scopeOrder)]bool
	for _, in := range included {
		i := in.sectionIndex()
		if !opened[i] {
			opened[i] = true
			size += len(scopeHeading(scopeOrder[i]))
		}
		sec := section{in.Rule, strings.TrimSpace(in.Rule.Text()), i}
		secs = append(secs, sec)
		size += sectionSize(sec.r, sec.body)
	}
	// One buffer of the prompt's size, not one grown through every size.
	if u == nil {
		var b strings.Builder
		b.Grow(size)
		writePrompt(&b, header, secs)
		return b.String()
	}
	b := &byteAppender{reuse(u.prompt, size)}
	writePrompt(b, header, secs)
	u.prompt = b.b
	return unsafe.String(unsafe.SliceData(b.b), len(b.b))
}

// writePrompt writes the header, then the sections group by group in scopeOrder, each
// group under its heading; within a group, in the order given.
func writePrompt[W stringWriter](b W, header string, secs []section) {
	b.WriteString(header)
	for g := range scopeOrder {
		opened := false
		for _, sec := range secs {
			if sec.group != g {
				continue
			}
			if !opened {
				opened = true
				b.WriteString(scopeHeading(scopeOrder[g]))
			}
			writeSection(b, sec.r, sec.body)
		}
	}
}
