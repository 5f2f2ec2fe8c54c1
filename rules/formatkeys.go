package rules

import "sync"

// KeyKind is the type of a frontmatter key's value, for validation and for a JSON
// Schema generated from these tables.
type KeyKind uint8

// The key kinds.
const (
	KindString  KeyKind = iota // one string
	KindBool                   // true or false, unquoted
	KindInt                    // an integer
	KindDate                   // YYYY-MM-DD
	KindStrings                // a list of strings (a single string is a list of one)
	KindGlobs                  // a list of globs, or one string of comma-separated globs
	KindEnum                   // one of Values
	KindEnums                  // a list of Values (a single one is accepted)
	KindScalar                 // a string or a number (`version: 1.0`)
)

// KeySpec documents one frontmatter key of one format.
type KeySpec struct {
	Name   string
	Kind   KeyKind
	Values []string // for KindEnum and KindEnums; for KindStrings, the known values
	// Min and Max bound a KindInt when Max > Min.
	Min, Max int
	Type     string // in words, for hover
	Doc      string
	Example  string
}

// Key tables of the formats with frontmatter. A format not listed has no keys of its
// own: its files are plain markdown.
var (
	cursorKeys = []KeySpec{
		{Name: "description", Kind: KindString, Type: "string", Doc: "What the rule is for; with neither globs nor alwaysApply the agent decides from it whether to use the rule (agent-requested).", Example: `description: React component conventions`},
		{Name: "globs", Kind: KindGlobs, Type: "glob list, or comma-separated globs", Doc: "The rule is attached to files matching these patterns; in a nested .cursor/rules they are relative to its folder.", Example: `globs: "src/**/*.tsx, *.ts"`},
		{Name: "alwaysApply", Kind: KindBool, Type: "boolean", Doc: "Always included; globs are then ignored.", Example: `alwaysApply: true`},
	}
	copilotKeys = []KeySpec{
		{Name: "applyTo", Kind: KindGlobs, Type: "glob, or comma-separated globs", Doc: "Files the instructions apply to, relative to the workspace root; `**` is every file. Without it the file is never applied automatically.", Example: `applyTo: "**/*.ts,**/*.tsx"`},
		{Name: "excludeAgent", Kind: KindEnums, Values: []string{"code-review", "coding-agent"}, Type: "code-review or coding-agent", Doc: "That Copilot agent never uses the file.", Example: `excludeAgent: "code-review"`},
		{Name: "name", Kind: KindString, Type: "string", Doc: "Display name of the instructions.", Example: `name: TypeScript style`},
		{Name: "description", Kind: KindString, Type: "string", Doc: "What the instructions are for; shown to agents, which may read the file on demand.", Example: `description: Conventions for TypeScript files`},
	}
	claudeRulesKeys = []KeySpec{
		{Name: "paths", Kind: KindGlobs, Type: "glob list, or comma-separated globs", Doc: "The rule loads for matching files; without paths it is always loaded.", Example: `paths: ["src/api/**/*.ts"]`},
	}
	windsurfKeys = []KeySpec{
		{Name: "trigger", Kind: KindEnum, Values: []string{"always_on", "glob", "model_decision", "manual"}, Type: "always_on, glob, model_decision or manual", Doc: "When the rule is used: always, for files matching globs, when the model decides from the description, or only when @-mentioned.", Example: `trigger: glob`},
		{Name: "globs", Kind: KindGlobs, Type: "glob list, or comma-separated globs", Doc: "Files a `trigger: glob` rule applies to.", Example: `globs: "*.py"`},
		{Name: "description", Kind: KindString, Type: "string", Doc: "What the rule is for; a `trigger: model_decision` rule is chosen by it.", Example: `description: Database migration conventions`},
	}
	clineKeys = []KeySpec{
		{Name: "paths", Kind: KindGlobs, Type: "glob list", Doc: "The rule is active for matching files; without it the rule is always active.", Example: `paths: ["src/**/*.go"]`},
	}
	continueKeys = []KeySpec{
		{Name: "name", Kind: KindString, Type: "string", Doc: "Display name of the rule.", Example: `name: Documentation standards`},
		{Name: "description", Kind: KindString, Type: "string", Doc: "With `alwaysApply: false`, the agent may pick the rule by it.", Example: `description: How to write docs pages`},
		{Name: "globs", Kind: KindGlobs, Type: "glob, or glob list", Doc: "Files the rule applies to.", Example: `globs: "docs/**/*.md"`},
		{Name: "regex", Kind: KindStrings, Type: "regular expression, or a list of them", Doc: "The rule applies to files whose content matches (with globs, both must match).", Example: `regex: "^import .* from 'react'"`},
		{Name: "alwaysApply", Kind: KindBool, Type: "boolean (absent is different from false)", Doc: "true: always; false: by globs/regex, or by description; absent: always when there are no globs or regex, else when they match.", Example: `alwaysApply: false`},
	}
	kiroKeys = []KeySpec{
		{Name: "inclusion", Kind: KindEnum, Values: []string{"always", "fileMatch", "manual", "auto"}, Type: "always, fileMatch, manual or auto", Doc: "When the steering file is included; always is the default.", Example: `inclusion: fileMatch`},
		{Name: "fileMatchPattern", Kind: KindGlobs, Type: "glob, or glob list", Doc: "Files an `inclusion: fileMatch` file applies to.", Example: `fileMatchPattern: "components/**/*.tsx"`},
		{Name: "name", Kind: KindString, Type: "string", Doc: "Name of the file for `#name` references; an `auto` file needs it.", Example: `name: api-design`},
		{Name: "description", Kind: KindString, Type: "string", Doc: "What the file is for; an `auto` file is chosen by it.", Example: `description: REST API conventions`},
	}
)

// nativeKinds are the kinds of the native keys, by name.
var nativeKinds = map[string]KeyKind{
	"description": KindString, "version": KindScalar, "priority": KindInt, "scope": KindEnums,
	"language": KindStrings, "tags": KindStrings, "globs": KindGlobs, "alwaysApply": KindBool,
	"created": KindDate, "updated": KindDate, "status": KindEnum, "enforced": KindBool,
}

// FormatKeys returns the documented frontmatter keys of a format, or nil for a format
// without frontmatter (AGENTS.md, CLAUDE.md, GEMINI.md, usage-rules.md, legacy files).
func FormatKeys(f Format) []KeySpec {
	switch f {
	case FormatAirules, FormatUser, "":
		return nativeKeys()
	case FormatCursor:
		return cursorKeys
	case FormatCopilot:
		return copilotKeys
	case FormatClaudeRules:
		return claudeRulesKeys
	case FormatWindsurf:
		return windsurfKeys
	case FormatCline:
		return clineKeys
	case FormatContinue:
		return continueKeys
	case FormatKiro:
		return kiroKeys
	}
	return nil
}

// keyHints name, per format, the key a user meant when they wrote another tool's key:
// `globs` in a Copilot file is Copilot's `applyTo`.
var keyHints = map[Format]map[string]string{
	FormatAirules:     {"applyTo": "globs", "paths": "globs", "fileMatchPattern": "globs"},
	FormatUser:        {"applyTo": "globs", "paths": "globs", "fileMatchPattern": "globs"},
	FormatCursor:      {"applyTo": "globs", "paths": "globs", "fileMatchPattern": "globs", "trigger": "alwaysApply"},
	FormatCopilot:     {"globs": "applyTo", "paths": "applyTo", "fileMatchPattern": "applyTo", "alwaysApply": "applyTo"},
	FormatClaudeRules: {"globs": "paths", "applyTo": "paths", "fileMatchPattern": "paths"},
	FormatWindsurf:    {"applyTo": "globs", "paths": "globs", "alwaysApply": "trigger", "fileMatchPattern": "globs"},
	FormatCline:       {"globs": "paths", "applyTo": "paths", "fileMatchPattern": "paths"},
	FormatContinue:    {"applyTo": "globs", "paths": "globs", "fileMatchPattern": "globs"},
	FormatKiro:        {"globs": "fileMatchPattern", "applyTo": "fileMatchPattern", "paths": "fileMatchPattern", "alwaysApply": "inclusion"},
}

// KeyHint returns the key of format f that a user meant by writing key (another tool's
// key), or "".
func KeyHint(f Format, key string) string { return keyHints[f][key] }

// formatTitle is how problems name a format.
var formatTitle = map[Format]string{
	FormatAirules: "airules", FormatUser: "airules", FormatCursor: "Cursor", FormatCursorLegacy: "Cursor",
	FormatCopilot: "Copilot", FormatCopilotRepo: "Copilot", FormatAgents: "AGENTS.md", FormatClaude: "CLAUDE.md",
	FormatClaudeRules: "Claude Code", FormatWindsurf: "Windsurf", FormatCline: "Cline", FormatContinue: "Continue",
	FormatKiro: "Kiro", FormatGemini: "GEMINI.md", FormatDependency: "usage-rules.md",
}

// Title is the tool or file name of a format, for messages.
func (f Format) Title() string {
	if t, ok := formatTitle[f]; ok {
		return t
	}
	return string(f)
}

// KeyDocOf returns the documentation of a key of format f (the native keys for a
// format without frontmatter of its own), or false: hover and completion in editors
// read it, as the validator and the schema read the same table.
func KeyDocOf(f Format, name string) (KeySpec, bool) {
	if FormatKeys(f) == nil {
		f = FormatAirules
	}
	return keySpec(f, name)
}

func keySpec(f Format, name string) (KeySpec, bool) {
	for _, k := range FormatKeys(f) {
		if k.Name == name {
			return k, true
		}
	}
	return KeySpec{}, false
}

// nativeKeys is FormatKeys of the native format, built once: the parser asks it for
// every key of every file, and the table is shared read-only like the others.
var nativeKeys = sync.OnceValue(func() []KeySpec {
	out := make([]KeySpec, 0, len(Keys))
	for _, k := range Keys {
		ks := KeySpec{Name: k.Name, Kind: nativeKinds[k.Name], Type: k.Type, Doc: k.Doc, Example: k.Example}
		switch k.Name {
		case "scope":
			ks.Values = Scopes()
		case "status":
			ks.Values = []string{string(StatusActive), string(StatusDisabled)}
		case "language":
			ks.Values = knownLanguages
		case "priority":
			ks.Min, ks.Max = MinPriority, MaxPriority
		}
		out = append(out, ks)
	}
	return out
})
