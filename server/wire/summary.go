package wire

import (
	"fmt"
	"strings"

	"github.com/airules/airules/rules"
)

// Summary says compactly, in markdown, which rules apply to the file of c and why,
// which were left out and which are on request: the hover of a source file, and the
// text an MCP client shows. It names as many omitted rules as an answer with
// maxOmitted lists (OmittedListed) and counts the rest.
func Summary(c rules.Context, maxOmitted int) string {
	var b strings.Builder
	n := len(c.Rules)
	fmt.Fprintf(&b, "**AI rules** · %d %s · %d / %d tokens\n\n", n, Plural(n, "rule applies", "rules apply"), c.Tokens, c.MaxTokens)
	for _, in := range c.Rules {
		r := in.Rule
		desc := r.Description
		if desc == "" {
			desc = r.ID
		}
		reasons := make([]string, len(in.Reasons))
		for i, rs := range in.Reasons {
			reasons[i] = reasonMarkdown(rs)
		}
		fmt.Fprintf(&b, "- %s — [`%s`](%s) · priority %d · %s · %d tokens\n",
			MarkdownEscape(desc), r.ID, FileURI(r.Path), r.Priority, strings.Join(reasons, ", "), in.Tokens)
	}
	if len(c.Omitted) > 0 {
		b.WriteString("\nOmitted: ")
		listed := OmittedListed(len(c.Omitted), maxOmitted)
		for i, o := range c.Omitted[:listed] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "[`%s`](%s) (%s)", o.Rule.ID, FileURI(o.Rule.Path), o.Reason)
		}
		if more := len(c.Omitted) - listed; more > 0 {
			fmt.Fprintf(&b, " … and %d more omitted", more)
		}
		b.WriteString("\n")
	}
	if len(c.Available) > 0 {
		b.WriteString("\nOn request: ")
		for i, r := range c.Available {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "[`%s`](%s)", r.ID, FileURI(r.Path))
			if r.Description != "" {
				b.WriteString(" — " + MarkdownEscape(r.Description))
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// reasonMarkdown shows why a rule applied, with globs and ids as code.
func reasonMarkdown(r rules.Reason) string {
	switch r.Kind {
	case rules.ReasonGlob:
		return "glob `" + r.Detail + "`"
	case rules.ReasonLanguage:
		return "language `" + r.Detail + "`"
	}
	return r.String()
}

// Plural picks the word for a count.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// MarkdownEscape keeps user text from turning into markdown structure.
func MarkdownEscape(s string) string {
	if !strings.ContainsAny(s, "\\`*_[]<\n") {
		return s
	}
	return mdEscaper.Replace(s)
}

var mdEscaper = strings.NewReplacer("\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "<", "&lt;", "\n", " ")
