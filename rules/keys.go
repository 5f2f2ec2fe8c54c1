package rules

import "slices"

// KeyDoc documents one frontmatter key: for hover and completion in editors, and, by its
// Value, for the JSON Schema of the frontmatter (schema.go).
type KeyDoc struct {
	Name    string
	Type    string
	Doc     string
	Example string
	Value   Value
}

// Keys documents every frontmatter key of the native format.
var Keys = []KeyDoc{
	{"description", "string", "One line shown in hover; assistants read it to decide whether to fetch an agent-requested rule.", `description: Phoenix LiveView component standards`, Value{Kind: ValueString}},
	{"version", "string", "The author's version of the rule.", `version: "1.0"`, Value{Kind: ValueScalar}},
	{"priority", "integer 0–100", "Higher wins within a layer: the rule comes earlier in the prompt and survives the budget first.", `priority: 80`, Value{Kind: ValueInteger, Min: 0, Max: 100}},
	{"scope", "list of global, project, language, framework, context", "Groups the rendered prompt into sections; the most specific one wins.", `scope: [project, framework]`, Value{Kind: ValueList, Enum: scopeOrder}},
	{"language", "list of LSP language ids", "The rule applies only to files of these languages (with globs: both must match).", `language: [elixir]`, Value{Kind: ValueList, Enum: knownLanguages}},
	{"tags", "list of strings", "Free labels, searchable.", `tags: [otp, genserver]`, Value{Kind: ValueList}},
	{"globs", "list of glob patterns (a single string is accepted)", "Workspace-relative doublestar patterns; one without / matches the base name at any depth; !pattern excludes.", `globs: ["lib/**/live/**/*.ex", "!**/*_test.exs"]`, Value{Kind: ValueGlobs}},
	{"alwaysApply", "boolean", "The rule applies to every file; globs and language are then ignored.", `alwaysApply: true`, Value{Kind: ValueBoolean}},
	{"created", "date YYYY-MM-DD", "When the rule was written.", `created: 2026-01-15`, Value{Kind: ValueDate}},
	{"updated", "date YYYY-MM-DD", "When the rule last changed; not before created.", `updated: 2026-03-02`, Value{Kind: ValueDate}},
	{"status", "active or disabled", "A disabled rule is indexed and linted but never applied.", `status: disabled`, Value{Kind: ValueString, Enum: []string{string(StatusActive), string(StatusDisabled)}}},
}

// applyToKey is Copilot's name for globs.
var applyToKey = KeyDoc{"applyTo", "glob patterns (Copilot; comma-separated, or a list)", "The files this instruction applies to: workspace-relative globs, comma-separated; `**` is every file.", `applyTo: "**/*.ts,**/*.tsx"`, Value{Kind: ValueGlobs}}

// FormatSpec is the frontmatter of one rule format: the keys the validator accepts in
// its files. A format with frontmatter of its own is one entry of FormatSpecs (and the
// cases of its keys in fields.go); a format without an entry takes the native keys.
type FormatSpec struct {
	Format Format
	Title  string // what its files are called, for the schema's title
	Files  string // where they live
	Keys   []KeyDoc
}

// FormatSpecs lists every format with frontmatter; the first is the native one.
var FormatSpecs = []FormatSpec{
	{FormatAirules, "airules rule", ".ai-rules/**/*.md", Keys},
	{FormatCursor, "Cursor rule", ".cursor/rules/**/*.mdc", Keys},
	{FormatCopilot, "GitHub Copilot instructions", ".github/instructions/**/*.instructions.md", append(slices.Clip(Keys), applyToKey)},
}

// SpecOf returns the frontmatter of format f, or false when f has no entry.
func SpecOf(f Format) (FormatSpec, bool) {
	for _, s := range FormatSpecs {
		if s.Format == f {
			return s, true
		}
	}
	return FormatSpec{}, false
}

// FormatKeys returns the keys the validator accepts in files of format f.
func FormatKeys(f Format) []KeyDoc {
	if s, ok := SpecOf(f); ok {
		return s.Keys
	}
	return Keys
}

// KeyDocOf returns the documentation of a key of any format, or false.
func KeyDocOf(name string) (KeyDoc, bool) {
	for _, s := range FormatSpecs {
		if k, ok := keyIn(s.Keys, name); ok {
			return k, true
		}
	}
	return keyIn(Keys, name)
}

func keyIn(keys []KeyDoc, name string) (KeyDoc, bool) {
	for _, k := range keys {
		if k.Name == name {
			return k, true
		}
	}
	return KeyDoc{}, false
}

func keyNames(f Format) []string {
	keys := FormatKeys(f)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

// Scopes lists the valid scope values, least specific first.
func Scopes() []string { return append([]string(nil), scopeOrder...) }
