package rules

import (
	"strings"
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

// render writes the prompt for the included rules, grouped by scope in the canonical
// order and in the given order within a group.
func render(rel string, included []Included) string {
	if len(included) == 0 {
		return ""
	}
	type section struct {
		r    *Rule
		body string // trimmed
	}
	groups := make([][]section, len(scopeOrder))
	size := len(promptHeader(rel))
	for _, in := range included {
		i := in.sectionIndex()
		if len(groups[i]) == 0 {
			size += len(scopeHeading(scopeOrder[i]))
		}
		sec := section{in.Rule, strings.TrimSpace(in.Rule.Text())}
		groups[i] = append(groups[i], sec)
		size += sectionSize(sec.r, sec.body)
	}
	// One buffer of the prompt's size: a prompt is tens of kilobytes, and growing it
	// (and building each section apart) was most of what a new answer allocated.
	var b strings.Builder
	b.Grow(size)
	b.WriteString(promptHeader(rel))
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		b.WriteString(scopeHeading(scopeOrder[i]))
		for _, sec := range g {
			writeSection(&b, sec.r, sec.body)
		}
	}
	return b.String()
}
