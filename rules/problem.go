package rules

import "fmt"

// Severity of a problem; the values are LSP's DiagnosticSeverity.
type Severity int

// The severities.
const (
	SeverityError   Severity = 1
	SeverityWarning Severity = 2
	SeverityInfo    Severity = 3
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	}
	return "hint"
}

// Position is a place in a file: 0-based line and 0-based column in UTF-16 code units,
// the unit LSP and SARIF count in.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Range is a half-open span [Start, End).
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Edit replaces Range with NewText.
type Edit struct {
	Range   Range  `json:"range"`
	NewText string `json:"newText"`
}

// Fix is a ready quick fix for a problem.
type Fix struct {
	Title string `json:"title"`
	Edits []Edit `json:"edits"`
}

// Problem is one finding in a rule file.
type Problem struct {
	Code     Code     `json:"code"`
	Severity Severity `json:"severity"`
	Range    Range    `json:"range"`
	Message  string   `json:"message"`
	Fix      *Fix     `json:"fix,omitempty"`
}

// Code is a stable problem code, AIR001 and up.
type Code string

// CodeInfo documents one code; Codes is the one table the README mirrors.
type CodeInfo struct {
	Code     Code
	Severity Severity
	Summary  string
}

// The problem codes.
const (
	CodeNoFrontmatter   Code = "AIR001"
	CodeYAMLSyntax      Code = "AIR002"
	CodeUnknownKey      Code = "AIR003"
	CodeWrongType       Code = "AIR004"
	CodePriorityRange   Code = "AIR005"
	CodeInvalidGlob     Code = "AIR006"
	CodeGlobNoMatch     Code = "AIR007"
	CodeUnknownLanguage Code = "AIR008"
	CodeBadDate         Code = "AIR009"
	CodeEmptyBody       Code = "AIR010"
	CodeAlwaysIgnores   Code = "AIR011"
	CodeNoDescription   Code = "AIR012"
	CodeUnknownValue    Code = "AIR013"
	CodeOverBudget      Code = "AIR014"
	CodeDuplicateKey    Code = "AIR015"
	CodeNotText         Code = "AIR016"
	CodeTooLarge        Code = "AIR017"
	CodeUnquotedGlobs   Code = "AIR018"
	CodeUnreadable      Code = "AIR019"

	// Codes of one format each: AIR1xx Cursor, AIR3xx AGENTS.md and other folder
	// files, AIR4xx @imports (CLAUDE.md, GEMINI.md), AIR5xx Windsurf, AIR7xx Continue,
	// AIR8xx Kiro.
	CodeCursorManual       Code = "AIR101"
	CodeCursorLegacy       Code = "AIR102"
	CodeIgnoredFrontmatter Code = "AIR301"
	CodeAgentsTooLarge     Code = "AIR302"
	CodeImportMissing      Code = "AIR401"
	CodeImportCycle        Code = "AIR402"
	CodeImportTooDeep      Code = "AIR403"
	CodeImportOutside      Code = "AIR404"
	CodeWindsurfNoGlobs    Code = "AIR501"
	CodeWindsurfTooLong    Code = "AIR502"
	CodeInvalidRegex       Code = "AIR701"
	CodeKiroNoPattern      Code = "AIR801"

	// Codes of the team layer (NATS JetStream), reported by the index: AIR9xx.
	CodeTeamStatus   Code = "AIR900" // the team source is not live; on airules-team://<bucket>
	CodeTeamSecret   Code = "AIR901" // a credential written inline in the project's configuration
	CodeTeamConfig   Code = "AIR902" // a team configuration value that is not understood
	CodeTeamEnforced Code = "AIR903" // a rule or the configuration tries to override an enforced team rule
)

// Codes lists every problem code with its severity and meaning.
var Codes = []CodeInfo{
	{CodeNoFrontmatter, SeverityWarning, "no frontmatter"},
	{CodeYAMLSyntax, SeverityError, "YAML syntax error, or frontmatter not closed"},
	{CodeUnknownKey, SeverityWarning, "unknown key (with \"did you mean\")"},
	{CodeWrongType, SeverityError, "wrong type for a key"},
	{CodePriorityRange, SeverityWarning, "priority outside 0–100"},
	{CodeInvalidGlob, SeverityError, "invalid glob pattern"},
	{CodeGlobNoMatch, SeverityWarning, "glob matches no file in the workspace"},
	{CodeUnknownLanguage, SeverityWarning, "unknown language id (with a suggestion)"},
	{CodeBadDate, SeverityWarning, "bad date, or updated before created"},
	{CodeEmptyBody, SeverityWarning, "empty body"},
	{CodeAlwaysIgnores, SeverityInfo, "alwaysApply: true makes globs and language irrelevant"},
	{CodeNoDescription, SeverityWarning, "missing description"},
	{CodeUnknownValue, SeverityWarning, "unknown scope value, or status other than active/disabled"},
	{CodeOverBudget, SeverityWarning, "the rule alone exceeds the default token budget"},
	{CodeDuplicateKey, SeverityError, "duplicate key"},
	{CodeNotText, SeverityError, "not a text file (binary or invalid UTF-8)"},
	{CodeTooLarge, SeverityError, "file too large to index"},
	{CodeUnquotedGlobs, SeverityInfo, "unquoted glob list: accepted, but invalid YAML for other tools"},
	{CodeUnreadable, SeverityError, "rule file or folder exists but cannot be read"},
	{CodeCursorManual, SeverityInfo, "Cursor rule with no alwaysApply, globs or description: manual, applied only when @-mentioned"},
	{CodeCursorLegacy, SeverityWarning, "legacy .cursorrules beside .cursor/rules: move it into a .mdc rule"},
	{CodeIgnoredFrontmatter, SeverityInfo, "frontmatter in a file no tool reads frontmatter from (AGENTS.md, CLAUDE.md, GEMINI.md, usage-rules.md, …)"},
	{CodeAgentsTooLarge, SeverityWarning, "AGENTS.md over 32 KiB: Codex stops reading there"},
	{CodeImportMissing, SeverityWarning, "@import of a file that does not exist"},
	{CodeImportCycle, SeverityWarning, "@import cycle"},
	{CodeImportTooDeep, SeverityWarning, "@import nested more than 5 hops deep"},
	{CodeImportOutside, SeverityWarning, "@import of a file outside the workspace: refused"},
	{CodeWindsurfNoGlobs, SeverityWarning, "Windsurf trigger: glob without globs"},
	{CodeWindsurfTooLong, SeverityWarning, "Windsurf rule over 12,000 characters"},
	{CodeInvalidRegex, SeverityError, "Continue regex that does not compile"},
	{CodeKiroNoPattern, SeverityWarning, "Kiro inclusion: fileMatch without fileMatchPattern"},
	{CodeTeamStatus, SeverityWarning, "the team source is offline, unauthorised or missing its bucket: its rules come from the cache"},
	{CodeTeamSecret, SeverityError, "a credential written inline in the project's configuration: not used"},
	{CodeTeamConfig, SeverityWarning, "a team configuration value that is not understood"},
	{CodeTeamEnforced, SeverityWarning, "a rule or the configuration tries to shadow or disable an enforced team rule"},
}

// Info returns the table entry of c.
func (c Code) Info() CodeInfo {
	for _, i := range Codes {
		if i.Code == c {
			return i
		}
	}
	return CodeInfo{Code: c, Severity: SeverityWarning}
}

func newProblem(c Code, r Range, format string, args ...any) Problem {
	return Problem{Code: c, Severity: c.Info().Severity, Range: r, Message: fmt.Sprintf(format, args...)}
}

// GlobNoMatch is the AIR007 problem for glob written at rg; an index that counts glob
// matches itself builds it here so the message is the same everywhere.
func GlobNoMatch(glob string, rg Range) Problem {
	return newProblem(CodeGlobNoMatch, rg, "glob %q matches no file in the workspace: check the path", glob)
}

// TooLarge is the AIR017 problem of a file of size bytes, for an index that does not
// read such a file at all.
func TooLarge(size int64) Problem {
	return newProblem(CodeTooLarge, Range{},
		"file is %d bytes; rule files over %d bytes are not indexed: split it into smaller rules", size, MaxFileSize)
}

// Unreadable is the AIR019 problem of a rule file or rule folder that exists but could
// not be read; reason is the operating system's.
func Unreadable(what string, reason error) Problem {
	return newProblem(CodeUnreadable, Range{}, "cannot read this rule %s, so its rules are left out: %v", what, reason)
}

// CursorLegacyBeside is the AIR102 problem of a .cursorrules file in a workspace that
// also has .cursor/rules, for an index that sees both.
func CursorLegacyBeside() Problem {
	return newProblem(CodeCursorLegacy, Range{},
		".cursorrules is Cursor's legacy format and this workspace also has .cursor/rules: move it into a .mdc rule there")
}
