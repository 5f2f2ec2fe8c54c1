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

// renderSection is one rule's part of the prompt.
func renderSection(r *Rule) string { return renderSectionOf(r, r.Text()) }

// renderSectionOf is renderSection with the rule's body given.
func renderSectionOf(r *Rule, text string) string {
	title := r.Description
	if title == "" {
		title = r.ID
	}
	var b strings.Builder
	body := strings.TrimSpace(text)
	b.Grow(len(title) + len(r.ID) + len(body) + 24)
	b.WriteString("### ")
	b.WriteString(oneLine(title))
	b.WriteString("\n\n_rule: ")
	b.WriteString(r.ID)
	b.WriteString("_\n\n")
	if body != "" {
		b.WriteString(body)
		b.WriteString("\n\n")
	}
	return b.String()
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
	groups := make([][]*Rule, len(scopeOrder))
	for _, in := range included {
		r := in.Rule
		i := scopeIndex(r.EffectiveScope())
		groups[i] = append(groups[i], r)
	}
	var b strings.Builder
	b.WriteString(promptHeader(rel))
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		b.WriteString(scopeHeading(scopeOrder[i]))
		for _, r := range g {
			b.WriteString(renderSection(r))
		}
	}
	return b.String()
}
