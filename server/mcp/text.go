package mcp

import (
	"fmt"
	"strings"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

// The text renderings of the answers, for clients that show (or pass a model) only
// the text content of a tool result. Each says what the structured result says.

// contextText is the summary of which rules apply and why (as many omitted ones as
// the structured answer lists), then the prompt itself.
func contextText(c rules.Context, maxOmitted int) string {
	s := wire.Summary(c, maxOmitted)
	if c.Prompt == "" {
		return s + "\n\nNo rules apply to " + c.Path + "."
	}
	return s + "\n\n---\n\n" + c.Prompt
}

// ruleMarkdown is a rule's text as a resource shows it.
func ruleMarkdown(r *rules.Rule) string { return strings.TrimSpace(r.Text()) }

func ruleText(r wire.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**", r.ID)
	if r.Description != "" {
		b.WriteString(" — " + wire.MarkdownEscape(r.Description))
	}
	fmt.Fprintf(&b, "\n\n%s layer · %s format · priority %d · %s", r.Layer, r.Format, r.Priority, r.Status)
	if len(r.Globs) > 0 {
		fmt.Fprintf(&b, " · globs `%s`", strings.Join(r.Globs, "`, `"))
	}
	if len(r.Language) > 0 {
		b.WriteString(" · language " + strings.Join(r.Language, ", "))
	}
	if r.AlwaysApply {
		b.WriteString(" · always applies")
	}
	if r.AgentRequested {
		b.WriteString(" · on request")
	}
	if r.Shadowed {
		b.WriteString(" · shadowed by a higher layer")
	}
	if r.Problems > 0 {
		fmt.Fprintf(&b, " · %d %s", r.Problems, wire.Plural(r.Problems, "problem", "problems"))
	}
	b.WriteString("\n\n" + r.Content)
	return b.String()
}

func listText(res wire.RulesResult) string {
	if len(res.Rules) == 0 {
		return "No rules match."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s:\n\n", len(res.Rules), wire.Plural(len(res.Rules), "rule", "rules"))
	for _, r := range res.Rules {
		fmt.Fprintf(&b, "- `%s` (%s, %s, priority %d, %s", r.ID, r.Layer, r.Format, r.Priority, r.Status)
		if r.Problems > 0 {
			fmt.Fprintf(&b, ", %d %s", r.Problems, wire.Plural(r.Problems, "problem", "problems"))
		}
		b.WriteString(")")
		if r.Description != "" {
			b.WriteString(" — " + wire.MarkdownEscape(r.Description))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// lintText is `airules lint`'s text form.
func lintText(out lintOutput) string {
	if len(out.Problems) == 0 {
		return fmt.Sprintf("%d rule %s, no problems.", out.Files, wire.Plural(out.Files, "file", "files"))
	}
	var b strings.Builder
	for _, p := range out.Problems {
		fmt.Fprintf(&b, "%s:%d:%d: %s %s %s\n", p.File, p.Line, p.Column, p.Severity, p.Code, p.Message)
	}
	fmt.Fprintf(&b, "\n%d rule %s: %d %s, %d %s.", out.Files, wire.Plural(out.Files, "file", "files"),
		out.Errors, wire.Plural(out.Errors, "error", "errors"), out.Warnings, wire.Plural(out.Warnings, "warning", "warnings"))
	return b.String()
}
