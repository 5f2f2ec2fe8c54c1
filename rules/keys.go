package rules

// KeyDoc documents one frontmatter key, for hover and completion in editors.
type KeyDoc struct {
	Name    string
	Type    string
	Doc     string
	Example string
}

// Keys documents every frontmatter key of the native format.
var Keys = []KeyDoc{
	{"description", "string", "One line shown in hover; assistants read it to decide whether to fetch an agent-requested rule.", `description: Phoenix LiveView component standards`},
	{"version", "string", "The author's version of the rule.", `version: "1.0"`},
	{"priority", "integer 0–100", "Higher wins within a layer: the rule comes earlier in the prompt and survives the budget first.", `priority: 80`},
	{"scope", "list of global, project, language, framework, context", "Groups the rendered prompt into sections; the most specific one wins.", `scope: [project, framework]`},
	{"language", "list of LSP language ids", "The rule applies only to files of these languages (with globs: both must match).", `language: [elixir]`},
	{"tags", "list of strings", "Free labels, searchable.", `tags: [otp, genserver]`},
	{"globs", "list of glob patterns (a single string is accepted)", "Workspace-relative doublestar patterns; one without / matches the base name at any depth; !pattern excludes.", `globs: ["lib/**/live/**/*.ex", "!**/*_test.exs"]`},
	{"alwaysApply", "boolean", "The rule applies to every file; globs and language are then ignored.", `alwaysApply: true`},
	{"created", "date YYYY-MM-DD", "When the rule was written.", `created: 2026-01-15`},
	{"updated", "date YYYY-MM-DD", "When the rule last changed; not before created.", `updated: 2026-03-02`},
	{"status", "active or disabled", "A disabled rule is indexed and linted but never applied.", `status: disabled`},
	{"enforced", "boolean", "A team rule that no project or user rule with its id shadows and no configuration disables.", `enforced: true`},
}

func keyNames(f Format) []string {
	ks := FormatKeys(f)
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, k.Name)
	}
	return out
}

// Scopes lists the valid scope values, least specific first.
func Scopes() []string { return append([]string(nil), scopeOrder[:]...) }
