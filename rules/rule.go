package rules

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Layer says where a rule comes from. Higher layers win: they come first in the order
// and shadow rules with the same id in lower layers.
type Layer int

// The layers, lowest first.
const (
	LayerDependency Layer = iota // rules shipped by dependencies (deps/*/usage-rules.md)
	LayerTeam                    // rules shared by a team outside the workspace
	LayerProject                 // rules inside the workspace (.ai-rules/, foreign formats)
	LayerUser                    // the user's own rules (~/.config/airules/rules)
)

var layerNames = [...]string{"dependency", "team", "project", "user"}

func (l Layer) String() string {
	if l < 0 || int(l) >= len(layerNames) {
		return "unknown"
	}
	return layerNames[l]
}

// Format names the tool whose file format a rule was read from.
type Format string

// The formats airules reads.
const (
	FormatAirules      Format = "airules"       // .ai-rules/**/*.md
	FormatCursor       Format = "cursor"        // **/.cursor/rules/**/*.mdc
	FormatCursorLegacy Format = "cursor-legacy" // .cursorrules
	FormatCopilot      Format = "copilot"       // .github/instructions/**/*.instructions.md
	FormatCopilotRepo  Format = "copilot-repo"  // .github/copilot-instructions.md
	FormatAgents       Format = "agents"        // AGENTS.md, AGENTS.override.md
	FormatClaude       Format = "claude"        // CLAUDE.md, .claude/CLAUDE.md, CLAUDE.local.md
	FormatClaudeRules  Format = "claude-rules"  // .claude/rules/**/*.md
	FormatWindsurf     Format = "windsurf"      // .windsurf/rules/*.md, .windsurfrules
	FormatCline        Format = "cline"         // .clinerules, .clinerules/*.{md,txt}
	FormatContinue     Format = "continue"      // .continue/rules/**/*.md, .continuerules
	FormatKiro         Format = "kiro"          // .kiro/steering/*.md
	FormatGemini       Format = "gemini"        // GEMINI.md
	FormatDependency   Format = "dependency"    // deps/*/usage-rules.md and the like
	FormatUser         Format = "user"          // the user's own rules folder
)

// Formats lists every format, native first.
var Formats = []Format{FormatAirules, FormatCursor, FormatCursorLegacy, FormatCopilot, FormatCopilotRepo,
	FormatAgents, FormatClaude, FormatClaudeRules, FormatWindsurf, FormatCline, FormatContinue, FormatKiro,
	FormatGemini, FormatDependency, FormatUser}

// native reports whether the format is airules' own (the project's or the user's).
func (f Format) native() bool { return f == FormatAirules || f == FormatUser || f == "" }

// FolderScoped reports whether files of the format apply to their folder and below,
// whatever they say: AGENTS.md, CLAUDE.md and GEMINI.md.
func (f Format) FolderScoped() bool {
	return f == FormatAgents || f == FormatClaude || f == FormatGemini
}

// Restorable reports whether a stored rule record (its metadata and body) describes a
// rule of this format completely, so an index may restore it instead of parsing the
// file again. Formats with keys the record does not hold (manual rules, content
// patterns) or whose body inlines other files (@imports) are parsed again.
func (f Format) Restorable() bool {
	switch f {
	case FormatAirules, FormatUser, FormatAgents, FormatCopilotRepo, FormatCursorLegacy, FormatCursor,
		FormatClaudeRules, FormatCline:
		return true
	}
	return false
}

// RestoreFormat derives, for a rule restored from a record of a Restorable format, what
// the record does not hold: whether a Cursor rule is manual (it has AIR101). Call it
// before the rule is shared.
func (r *Rule) RestoreFormat() {
	if r.Format != FormatCursor {
		return
	}
	r.Manual = false
	for _, p := range r.Problems {
		if p.Code == CodeCursorManual {
			r.Manual = true
		}
	}
}

// Status of a rule: a disabled rule is indexed and linted but never applied.
type Status string

// The statuses.
const (
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Source identifies a rule file before it is parsed.
type Source struct {
	Path   string // the file's path (absolute on disk; any form in tests)
	ID     string // the path under its root without extension, slash-separated
	Layer  Layer
	Format Format
	// Dir is the workspace-relative folder a rule belongs to: the folder an AGENTS.md,
	// CLAUDE.md or GEMINI.md applies to, or the one holding a nested .cursor/rules.
	// Empty means the workspace root.
	Dir string
	// For a dependency rule: the ecosystem and package it comes from, its sub-rule
	// ("" for the main usage-rules.md), and whether the project's manifest opted it in.
	// They are part of the source, so a manifest change that flips OptedIn makes the
	// file a different source and it is read again.
	Ecosystem    Ecosystem
	Package, Sub string
	OptedIn      bool
}

// Rule is one parsed rule file. It is immutable once parsed, so one *Rule can be shared
// by many snapshots and goroutines.
type Rule struct {
	Source

	Description string
	Version     string
	Priority    int
	Scope       []string
	Language    []string
	Tags        []string
	Globs       []string
	AlwaysApply bool
	Created     string
	Updated     string
	Status      Status
	Enforced    bool // enforced.go: only a team rule's counts

	// Name is the rule's display name where its format has one (Copilot, Continue, Kiro).
	Name string
	// Manual marks a rule that applies only when a user names it (Cursor's manual rule,
	// Windsurf's and Kiro's manual trigger, a Copilot file without applyTo or
	// description): never applied automatically and not offered as agent-requested.
	Manual bool
	// Regex are Continue's patterns matched against the target file's content.
	Regex []string
	// ExcludeAgent lists the Copilot agents that never use the file.
	ExcludeAgent []string
	// Imports are the workspace-relative files @import names, in order: those inlined
	// and those missing, so an index can read the rule again when one appears or changes.
	Imports []string

	Body     string    // the markdown after the frontmatter; read it with Text (body.go)
	BodyLine int       // 0-based line where the body starts
	Hash     string    // hex SHA-256 of the file's bytes
	Problems []Problem // everything wrong with the file, in file order

	tokens     *tokenCell
	globRanges []Range // where each of Globs is written, for AIR007
	bodyKey    *bodyCell
	lazy       *lazyBody // a restored rule's body, read back on first use (body.go)
}

// DefaultPriority is the priority of a rule that sets none, in every format.
const DefaultPriority = 50

type tokenCell struct {
	once sync.Once
	n    int
	done atomic.Bool // n is known (counted or set)
	// atLeast is TokensAtLeast's bound plus one, 0 until computed.
	atLeast atomic.Int32
}

// Active reports whether the rule's own status allows it to apply.
func (r *Rule) Active() bool { return r.Status != StatusDisabled }

// AgentRequested reports whether the rule applies to no file by itself and is only
// offered by id and description for an assistant to fetch.
func (r *Rule) AgentRequested() bool {
	return !r.AlwaysApply && !r.Manual && len(r.Globs) == 0 && len(r.Language) == 0 && len(r.Regex) == 0 &&
		!r.FolderScoped()
}

// FolderScoped reports whether the rule applies to its folder (Dir) and below by where
// it is: an AGENTS.md, CLAUDE.md or GEMINI.md.
func (r *Rule) FolderScoped() bool { return r.Format.FolderScoped() }

// HasErrors reports whether any problem is an error.
func (r *Rule) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Unreadable reports whether the file could not be read as a rule at all (binary, too
// large, unreadable on disk, or frontmatter that is not YAML): such a rule neither applies nor is offered.
func (r *Rule) Unreadable() bool {
	for _, p := range r.Problems {
		switch p.Code {
		case CodeNotText, CodeTooLarge, CodeYAMLSyntax, CodeUnreadable:
			return true
		}
	}
	return false
}

// GlobRanges returns where each of Globs is written, for a store that restores rules
// without parsing them again; it may be shorter than Globs for a rule built by hand.
func (r *Rule) GlobRanges() []Range { return r.globRanges }

// Restore attaches what Parse computes but a stored rule loses: the ranges of its globs
// and, when known (tokens >= 0), its token count. Call it before the rule is shared.
func (r *Rule) Restore(globRanges []Range, tokens int) {
	r.globRanges = globRanges
	r.bodyKey = &bodyCell{}
	if tokens >= 0 {
		r.SetTokens(tokens)
	} else {
		r.tokens = &tokenCell{}
	}
}

// Tokens is the token count of the rule's rendered section in a prompt. It is counted
// once, on first use, because counting costs far more than parsing. Counting reads a
// restored rule's body without keeping it (withPassingText).
func (r *Rule) Tokens() int {
	if n, ok := r.CountedTokens(); ok { // every budget asks each rule it walks
		return n
	}
	if r.tokens == nil {
		return r.countSection()
	}
	r.tokens.once.Do(func() {
		r.tokens.n = r.countSection()
		r.tokens.done.Store(true)
	})
	return r.tokens.n
}

// CountedTokens is the rule's token count if it is known already (counted by an
// earlier Tokens, or set), without counting.
func (r *Rule) CountedTokens() (int, bool) {
	if r.tokens == nil || !r.tokens.done.Load() {
		return 0, false
	}
	return r.tokens.n, true
}

// countSection counts the rule's section in this process.
func (r *Rule) countSection() (n int) {
	r.withPassingText(func(body string) { n = CountTokens(renderSectionOf(r, body)) })
	return n
}

// SetTokens records a token count known from elsewhere (the index stores it), so it is
// not counted again. It must be called before the rule is shared.
func (r *Rule) SetTokens(n int) {
	r.tokens = &tokenCell{n: n}
	r.tokens.once.Do(func() {})
	r.tokens.done.Store(true)
}

// EffectiveScope is the section a rule is rendered under: its most specific declared
// scope, else the one its numbered folder implies, else project.
func (r *Rule) EffectiveScope() string {
	best := -1
	for _, s := range r.Scope {
		if i := scopeIndex(s); i > best {
			best = i
		}
	}
	if best >= 0 {
		return scopeOrder[best]
	}
	first, _, _ := strings.Cut(r.ID, "/")
	first = strings.TrimLeft(first, "0123456789-_")
	switch {
	case strings.HasPrefix(first, "global"):
		return "global"
	case strings.HasPrefix(first, "language"):
		return "language"
	case strings.HasPrefix(first, "framework"):
		return "framework"
	case strings.HasPrefix(first, "context"):
		return "context"
	}
	return "project"
}

// scopeOrder is the order of the prompt's sections, least specific first.
var scopeOrder = [...]string{"global", "project", "language", "framework", "context"}

func scopeIndex(s string) int {
	for i, o := range scopeOrder {
		if o == s {
			return i
		}
	}
	return -1
}
